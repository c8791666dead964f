/** Landing checks: whether they run, where Object Storage is, what key to look for. */
import { DEFAULTS, NCP_SITE_REGIONS, NCP_SITES, type NcpSite } from '../defaults.ts';
import {
  ConfigError,
  decimal,
  type Env,
  integer,
  oneOf,
  optionalUrl,
  parseDurationMs,
  secret,
} from './env.ts';
import { loadApiUrl, loadDefaultRegion } from './ncp.ts';

/** Landing checks (EXPORT_LANDING_*, OBJECT_STORAGE_*); `loadLandingConfig` gives undefined when off. */
export interface LandingConfig {
  /** OBJECT_STORAGE_URL: one endpoint for every region (a proxy, the emulator's stand-in). */
  storageUrl: string | undefined;
  /** OBJECT_STORAGE_REGION: the signing region used with `storageUrl`. */
  signingRegion: string;
  /** The NCP site whose Object Storage endpoints apply per region when `storageUrl` is unset. */
  site: NcpSite | undefined;
  /** Region of exports that name none (NCP_REGION, else the site's default). */
  defaultRegion: string;
  /** The NCP key pair, which signs Object Storage requests too. Never logged. */
  accessKey: string;
  secretKey: string;
  /** EXPORT_LANDING_KEY: where an export lands; undefined searches by file name. */
  keyTemplate: string | undefined;
  /** EXPORT_LANDING_PREFIX: where a search looks (no template). */
  prefix: string;
  timeoutMs: number;
  pollMs: number;
  batchMs: number;
  concurrency: number;
  /** STORAGE_RATE_LIMIT: Object Storage requests per second across every worker. */
  storageRateLimit: number;
}

/** Placeholders EXPORT_LANDING_KEY may hold. */
export const LANDING_KEY_PLACEHOLDERS = [
  'api',
  'region',
  'instanceNo',
  'fileName',
  'backupTypeMode',
  'bucketName',
  'date',
] as const;

/**
 * EXPORT_LANDING_CHECK: `on`, `off` or `auto` (the default: on when an Object Storage endpoint
 * is known, i.e. OBJECT_STORAGE_URL is set or NCP_API_URL is one of NCP's sites).
 */
export function loadLandingConfig(env: Env = process.env): LandingConfig | undefined {
  const mode = oneOf(env, 'EXPORT_LANDING_CHECK', ['on', 'off', 'auto'], 'auto');
  if (mode === 'off') return undefined;
  const storageUrl = optionalUrl(env, 'OBJECT_STORAGE_URL');
  const api = loadApiUrl(env);
  const site = (Object.keys(NCP_SITES) as NcpSite[]).find((name) => NCP_SITES[name] === api);
  if (!storageUrl && !site) {
    if (mode === 'on') {
      throw new ConfigError(
        'EXPORT_LANDING_CHECK',
        'is on, but no Object Storage endpoint is known: set OBJECT_STORAGE_URL (NCP_API_URL is not one of NCP sites)',
      );
    }
    return undefined;
  }
  const keyTemplate = env.EXPORT_LANDING_KEY?.trim() || undefined;
  if (keyTemplate) {
    for (const [, name] of keyTemplate.matchAll(/\{([^{}]*)\}/g)) {
      if (!(LANDING_KEY_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
        throw new ConfigError(
          'EXPORT_LANDING_KEY',
          `has placeholder {${name}}, expected {${LANDING_KEY_PLACEHOLDERS.join('}, {')}}`,
        );
      }
    }
  }
  const timeout = env.EXPORT_LANDING_TIMEOUT?.trim();
  const timeoutMs = timeout ? parseDurationMs(timeout) : DEFAULTS.landingTimeoutMs;
  if (timeoutMs === undefined) {
    throw new ConfigError(
      'EXPORT_LANDING_TIMEOUT',
      `is "${timeout}", expected a duration such as 30m`,
    );
  }
  return {
    storageUrl,
    signingRegion: env.OBJECT_STORAGE_REGION?.trim() || DEFAULTS.storageSigningRegion,
    site,
    defaultRegion: loadDefaultRegion(env) ?? NCP_SITE_REGIONS[site ?? 'public'],
    accessKey: secret(env, 'NCP_ACCESS_KEY'),
    secretKey: secret(env, 'NCP_SECRET_KEY'),
    keyTemplate,
    prefix: env.EXPORT_LANDING_PREFIX?.trim() ?? '',
    timeoutMs,
    pollMs: integer(env, 'EXPORT_LANDING_POLL_MS', DEFAULTS.landingPollMs, { min: 100 }),
    batchMs: integer(env, 'EXPORT_LANDING_BATCH_MS', DEFAULTS.landingBatchMs, { min: 0 }),
    concurrency: integer(env, 'EXPORT_LANDING_CONCURRENCY', DEFAULTS.landingConcurrency, {
      min: 1,
      max: 10_000,
    }),
    storageRateLimit: decimal(env, 'STORAGE_RATE_LIMIT', DEFAULTS.storageRateLimit, {
      min: 0.001,
      max: 100_000,
    }),
  };
}
