/** NCP: the gateway, the key pair, the region and which service codes are transient. */
import {
  DEFAULT_RETRYABLE_CODES,
  DEFAULTS,
  NCP_SITE_REGIONS,
  NCP_SITES,
  type NcpSite,
} from '../defaults.ts';
import { checkApiOrigin } from '../urls.ts';
import {
  ConfigError,
  type Env,
  integer,
  oneOf,
  optionalMatch,
  plainHttpHosts,
  secret,
} from './env.ts';

export interface NcpConfig {
  accessKey: string;
  /** Never logged: every logger redacts `secretKey`. */
  secretKey: string;
  /** Scheme, host and optional port; the path comes from the API family. */
  apiUrl: string;
  /** Region applied to requests that carry none; undefined lets NCP choose its default. */
  region: string | undefined;
  responseFormat: 'json' | 'xml';
  timeoutMs: number;
  maxResponseBytes: number;
  /** Service codes retried as "busy, try again": `1000` plus NCP_RETRYABLE_CODES. */
  retryableCodes: ReadonlySet<string>;
}

export function loadNcpConfig(env: Env = process.env): NcpConfig {
  return {
    accessKey: secret(env, 'NCP_ACCESS_KEY'),
    secretKey: secret(env, 'NCP_SECRET_KEY'),
    apiUrl: loadApiUrl(env),
    region: loadDefaultRegion(env),
    responseFormat: oneOf(env, 'NCP_RESPONSE_FORMAT', ['json', 'xml'], DEFAULTS.responseFormat),
    timeoutMs: integer(env, 'NCP_TIMEOUT_MS', DEFAULTS.timeoutMs, { min: 1 }),
    maxResponseBytes: integer(env, 'NCP_MAX_RESPONSE_BYTES', DEFAULTS.maxResponseBytes, {
      min: 1024,
    }),
    retryableCodes: retryableCodes(env),
  };
}

/**
 * NCP_RETRYABLE_CODES: service codes (`returnCode`) to retry as "busy, try again", besides
 * `1000`, comma-separated; so an operator can add one NCP answers without a new release.
 */
function retryableCodes(env: Env): ReadonlySet<string> {
  const codes = new Set(DEFAULT_RETRYABLE_CODES);
  const value = env.NCP_RETRYABLE_CODES?.trim();
  if (!value) return codes;
  value.split(',').forEach((entry, i) => {
    const code = entry.trim();
    if (!/^[0-9A-Za-z_-]{1,32}$/.test(code)) {
      throw new ConfigError(
        'NCP_RETRYABLE_CODES',
        `item ${i + 1} is "${code.slice(0, 40)}", expected a service code such as 1007009 (comma-separated)`,
      );
    }
    codes.add(code);
  });
  return codes;
}

/** NCP_REGION: the region for requests that name none; producers need it without NCP keys. */
export function loadDefaultRegion(env: Env = process.env): string | undefined {
  return optionalMatch(env, 'NCP_REGION', /^[A-Z]{2,8}$/, 'an NCP region code such as KR');
}

/**
 * The region an export that names none is enqueued in, and so part of its job id: NCP_REGION,
 * else the default region of the site (NCP_SITE, or the site NCP_API_URL points at; any other
 * URL, such as the emulator's, counts as public). Producers resolve it once, when a job is
 * enqueued, so one backup has one job id whatever each producer's environment says.
 */
export function loadExportRegion(env: Env = process.env): string {
  return loadDefaultRegion(env) ?? siteRegion(loadApiUrl(env));
}

/** The default region of the site at `apiUrl` (an origin); public for any other URL. */
export function siteRegion(apiUrl: string): string {
  const site = (Object.keys(NCP_SITES) as NcpSite[]).find((name) => NCP_SITES[name] === apiUrl);
  return NCP_SITE_REGIONS[site ?? 'public'];
}

/** NCP_API_URL, or the gateway of NCP_SITE, checked; public by default. */
export function loadApiUrl(env: Env): string {
  const explicit = env.NCP_API_URL?.trim();
  const site = env.NCP_SITE?.trim();
  if (explicit && site) {
    throw new ConfigError('NCP_SITE', 'is set together with NCP_API_URL; set only one');
  }
  if (site) {
    if (!(site in NCP_SITES)) {
      throw new ConfigError('NCP_SITE', `is "${site}", expected one of public, gov, fin`);
    }
    return NCP_SITES[site as NcpSite];
  }
  const checked = checkApiOrigin(explicit || NCP_SITES.public, plainHttpHosts(env));
  if ('problem' in checked) throw new ConfigError('NCP_API_URL', checked.problem);
  return checked.origin;
}
