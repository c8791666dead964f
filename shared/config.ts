/**
 * Configuration from the environment, validated once at start.
 *
 * Each section is loaded on its own (`loadNcpConfig`, `loadRedisConfig`, ...), so a producer
 * that never calls NCP does not need NCP credentials. Every error names the variable at fault.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_RETRYABLE_CODES,
  DEFAULTS,
  NCP_SITE_REGIONS,
  NCP_SITES,
  type NcpSite,
} from './defaults.ts';
import { checkApiOrigin } from './urls.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

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

export interface RedisConfig {
  /** Single Redis (REDIS_URL); unused when `clusterNodes` is set. */
  url: string;
  /** BullMQ key prefix; `{ncp}` keeps every key in one Redis Cluster slot. */
  prefix: string;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); the rest are discovered. */
  clusterNodes?: readonly RedisNode[] | undefined;
  /** Whether cluster nodes are reached over TLS (`rediss://` seed nodes). */
  clusterTls?: boolean | undefined;
  /** REDIS_USERNAME, for ACL users; applies to a single Redis and to every cluster node. */
  username?: string | undefined;
  /** REDIS_PASSWORD or REDIS_PASSWORD_FILE; overrides a password in REDIS_URL. Never logged. */
  password?: string | undefined;
}

/** One `host:port` of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

/** The HTTP service (`serve`). */
export interface HttpConfig {
  port: number;
  host: string;
  /** Bearer token (API_TOKEN or API_TOKEN_FILE); undefined only with `--no-auth`. Never logged. */
  apiToken: string | undefined;
  /** Largest request body accepted; larger ones are answered 413. */
  bodyLimitBytes: number;
  /** Time a client has to send a whole request; slower ones get 408 and are disconnected. */
  requestTimeoutMs: number;
  /** Lets the dashboard (/ui) re-run failed exports; otherwise it is read-only. */
  uiAllowRetry: boolean;
}

export interface WorkerConfig {
  concurrency: number;
  /**
   * Calls per second across every worker (see `worker/rate-limit.ts` for fractional limits);
   * undefined when NCP_RATE_LIMIT=off.
   */
  rateLimit: number | undefined;
  /** Widens the rate-limit window so calls in transit never exceed the limit at NCP. */
  rateGuardMs: number;
  /** Calls that may leave together beyond the evenly paced one (NCP_RATE_BURST). */
  rateBurst: number;
  /** Longest pause a single `Retry-After` may set, and longest backoff floor it may raise. */
  retryAfterMaxMs: number;
  /** Auth errors within a minute that pause every worker (NCP_AUTH_PAUSE_AFTER); 0: never. */
  authPauseAfter: number;
  /** How often a worker paused by auth errors sends a probe call. */
  authProbeIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Longest one attempt may wait out global throttling before it counts as failed. */
  throttleMaxWaitMs: number;
  /** DISCOVERY_FRESH_TIMEOUT_MS: longest wait for the file of a manual backup `--fresh` created. */
  freshTimeoutMs: number;
  /** DISCOVERY_FRESH_POLL_MS: time between looks at the manual backup list while waiting. */
  freshPollMs: number;
  shutdownTimeoutMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** METRICS_PORT: serve Prometheus metrics on this port; undefined serves none. */
  metricsPort?: number | undefined;
  /** METRICS_HOST: address the metrics server binds. */
  metricsHost?: string | undefined;
}

/** How export jobs are enqueued and kept; producers apply it, workers default to it. */
export interface JobPolicy {
  maxAttempts: number;
  /** Finished exports are kept this long; enqueueing the same export meanwhile adds nothing. */
  keepCompletedSeconds: number;
  /** Failed exports are kept this long for `retry` and inspection. */
  keepFailedSeconds: number;
  /** Outcome records are kept this long; undefined keeps them all. */
  keepOutcomesSeconds: number | undefined;
}

/** Coverage: what `report`, the metrics and the stale-instance notifications call stale. */
export interface ReportConfig {
  /** REPORT_STALE_AFTER: an instance without a successful export for this long is stale. */
  staleAfterMs: number;
}

/** Webhook notifications (NOTIFY_*); `loadNotifyConfig` gives undefined when none is set. */
export interface NotifyConfig {
  /** NOTIFY_WEBHOOK_URL or NOTIFY_WEBHOOK_URL_FILE. Never logged: it often holds a token. */
  webhookUrl: string;
  /** `json` (a generic body) or `slack` (a Slack incoming-webhook body). */
  format: 'json' | 'slack';
  /** At most one message about failed exports per this many seconds, across every worker. */
  batchSeconds: number;
  /** How often one worker at a time looks for instances that went stale. */
  staleCheckSeconds: number;
  /** Delivery attempts per message, with exponential backoff between them. */
  maxAttempts: number;
  /** Time one delivery may take (connect, send, answer). */
  timeoutMs: number;
}

export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export function loadNcpConfig(env: Env = process.env): NcpConfig {
  return {
    accessKey: secret(env, 'NCP_ACCESS_KEY'),
    secretKey: secret(env, 'NCP_SECRET_KEY'),
    apiUrl: apiUrl(env),
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
  return loadDefaultRegion(env) ?? siteRegion(apiUrl(env));
}

/** The default region of the site at `apiUrl` (an origin); public for any other URL. */
export function siteRegion(apiUrl: string): string {
  const site = (Object.keys(NCP_SITES) as NcpSite[]).find((name) => NCP_SITES[name] === apiUrl);
  return NCP_SITE_REGIONS[site ?? 'public'];
}

export function loadRedisConfig(env: Env = process.env): RedisConfig {
  const url = env.REDIS_URL?.trim() || DEFAULTS.redisUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://host:port or rediss://...)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `has scheme ${parsed.protocol}, expected redis: or rediss:`);
  }
  const prefix = queuePrefix(env);
  const config: RedisConfig = { url, prefix };
  const username = env.REDIS_USERNAME?.trim();
  if (username) config.username = username;
  const password = optionalSecret(env, 'REDIS_PASSWORD');
  if (password) config.password = password;
  const nodes = env.REDIS_CLUSTER_NODES?.trim();
  if (!nodes) return config;
  if (env.REDIS_URL?.trim()) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'is set together with REDIS_URL; set only one');
  }
  if (!/^\{[^{}]+\}$/.test(prefix)) {
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is "${prefix}"; on a Redis Cluster it must be a hash tag such as {ncp}, so every key of a queue lands in one slot`,
    );
  }
  const seeds = nodes.split(',').map((entry) => clusterNode(entry.trim()));
  if (new Set(seeds.map((seed) => seed.tls)).size > 1) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'mixes redis:// and rediss:// nodes');
  }
  return {
    ...config,
    clusterNodes: seeds.map(({ host, port }) => ({ host, port })),
    clusterTls: seeds[0]!.tls,
  };
}

/** One REDIS_CLUSTER_NODES entry: `host:port`, or `redis://host:port` / `rediss://host:port`. */
function clusterNode(entry: string): RedisNode & { tls: boolean } {
  let url: URL;
  try {
    url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
  } catch {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" is not host:port`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" has scheme ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      'REDIS_CLUSTER_NODES',
      'must not hold credentials; use REDIS_USERNAME and REDIS_PASSWORD(_FILE)',
    );
  }
  if (!url.hostname || !url.port || (url.pathname !== '' && url.pathname !== '/')) {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" is not host:port`);
  }
  return { host: url.hostname, port: Number(url.port), tls: url.protocol === 'rediss:' };
}

/** The HTTP service's settings; the token is checked by `serve`, which knows about --no-auth. */
export function loadHttpConfig(env: Env = process.env): HttpConfig {
  return {
    port: integer(env, 'PORT', DEFAULTS.httpPort, { min: 0, max: 65_535 }),
    host: env.HOST?.trim() || DEFAULTS.httpHost,
    apiToken: apiToken(env),
    bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', DEFAULTS.httpBodyLimitBytes, {
      min: 1024,
    }),
    uiAllowRetry: boolean(env, 'UI_ALLOW_RETRY', false),
    requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULTS.httpRequestTimeoutMs, {
      min: 100,
    }),
  };
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const backoffBaseMs = integer(env, 'EXPORT_BACKOFF_BASE_MS', DEFAULTS.backoffBaseMs, { min: 0 });
  const backoffMaxMs = integer(env, 'EXPORT_BACKOFF_MAX_MS', DEFAULTS.backoffMaxMs, { min: 0 });
  if (backoffMaxMs < backoffBaseMs) {
    throw new ConfigError(
      'EXPORT_BACKOFF_MAX_MS',
      `(${backoffMaxMs}) must not be below EXPORT_BACKOFF_BASE_MS (${backoffBaseMs})`,
    );
  }
  return {
    concurrency: integer(env, 'WORKER_CONCURRENCY', DEFAULTS.concurrency, { min: 1, max: 1000 }),
    rateLimit:
      env.NCP_RATE_LIMIT?.trim() === 'off'
        ? undefined
        : decimal(env, 'NCP_RATE_LIMIT', DEFAULTS.rateLimit, { min: 0.001, max: 100_000 }),
    rateGuardMs: integer(env, 'NCP_RATE_GUARD_MS', DEFAULTS.rateGuardMs, { min: 0, max: 1000 }),
    rateBurst: integer(env, 'NCP_RATE_BURST', DEFAULTS.rateBurst, { min: 0, max: 1000 }),
    retryAfterMaxMs: integer(env, 'NCP_RETRY_AFTER_MAX_MS', DEFAULTS.retryAfterMaxMs, {
      min: 0,
      max: 86_400_000,
    }),
    authPauseAfter: integer(env, 'NCP_AUTH_PAUSE_AFTER', DEFAULTS.authPauseAfter, {
      min: 0,
      max: 1000,
    }),
    authProbeIntervalMs: integer(env, 'NCP_AUTH_PROBE_INTERVAL_MS', DEFAULTS.authProbeIntervalMs, {
      min: 1000,
    }),
    backoffBaseMs,
    backoffMaxMs,
    throttleMaxWaitMs: integer(env, 'EXPORT_THROTTLE_MAX_WAIT_MS', DEFAULTS.throttleMaxWaitMs, {
      min: 0,
    }),
    freshTimeoutMs: integer(env, 'DISCOVERY_FRESH_TIMEOUT_MS', DEFAULTS.freshTimeoutMs, {
      min: 1000,
      max: 86_400_000,
    }),
    freshPollMs: integer(env, 'DISCOVERY_FRESH_POLL_MS', DEFAULTS.freshPollMs, {
      min: 100,
      max: 3_600_000,
    }),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMs, { min: 0 }),
    lockDurationMs: integer(env, 'WORKER_LOCK_DURATION_MS', DEFAULTS.lockDurationMs, {
      min: 1000,
    }),
    stalledIntervalMs: integer(env, 'WORKER_STALLED_INTERVAL_MS', DEFAULTS.stalledIntervalMs, {
      min: 500,
    }),
    maxStalledCount: integer(env, 'WORKER_MAX_STALLED_COUNT', DEFAULTS.maxStalledCount, {
      min: 0,
    }),
    metricsPort: env.METRICS_PORT?.trim()
      ? integer(env, 'METRICS_PORT', 0, { min: 0, max: 65_535 })
      : undefined,
    metricsHost: env.METRICS_HOST?.trim() || DEFAULTS.metricsHost,
  };
}

export function loadJobPolicy(env: Env = process.env): JobPolicy {
  const keepOutcomesDays = env.OUTCOME_KEEP_DAYS?.trim()
    ? integer(env, 'OUTCOME_KEEP_DAYS', 0, { min: 1 })
    : undefined;
  return {
    maxAttempts: integer(env, 'EXPORT_MAX_ATTEMPTS', DEFAULTS.maxAttempts, { min: 1, max: 100 }),
    keepCompletedSeconds:
      integer(env, 'EXPORT_KEEP_COMPLETED_HOURS', DEFAULTS.keepCompletedHours, { min: 0 }) * 3600,
    keepFailedSeconds:
      integer(env, 'EXPORT_KEEP_FAILED_HOURS', DEFAULTS.keepFailedHours, { min: 0 }) * 3600,
    keepOutcomesSeconds: keepOutcomesDays === undefined ? undefined : keepOutcomesDays * 86_400,
  };
}

export function loadReportConfig(env: Env = process.env): ReportConfig {
  const value = env.REPORT_STALE_AFTER?.trim() || DEFAULTS.reportStaleAfter;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new ConfigError('REPORT_STALE_AFTER', `is "${value}", expected a duration such as 26h`);
  }
  return { staleAfterMs: ms };
}

export function loadNotifyConfig(env: Env = process.env): NotifyConfig | undefined {
  const webhookUrl = optionalSecret(env, 'NOTIFY_WEBHOOK_URL');
  if (webhookUrl === undefined) {
    for (const name of ['NOTIFY_FORMAT', 'NOTIFY_BATCH_SECONDS', 'NOTIFY_STALE_CHECK_SECONDS']) {
      if (env[name]?.trim()) throw new ConfigError(name, 'is set but NOTIFY_WEBHOOK_URL is not');
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    // Not echoed: the URL may hold a token.
    throw new ConfigError('NOTIFY_WEBHOOK_URL', 'is not a URL (expected https://...)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('NOTIFY_WEBHOOK_URL', `has scheme ${url.protocol}, expected https:`);
  }
  return {
    webhookUrl,
    format: oneOf(env, 'NOTIFY_FORMAT', ['json', 'slack'], DEFAULTS.notifyFormat),
    batchSeconds: integer(env, 'NOTIFY_BATCH_SECONDS', DEFAULTS.notifyBatchSeconds, {
      min: 1,
      max: 86_400,
    }),
    staleCheckSeconds: integer(
      env,
      'NOTIFY_STALE_CHECK_SECONDS',
      DEFAULTS.notifyStaleCheckSeconds,
      { min: 1, max: 86_400 },
    ),
    maxAttempts: integer(env, 'NOTIFY_MAX_ATTEMPTS', DEFAULTS.notifyMaxAttempts, {
      min: 1,
      max: 100,
    }),
    timeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', DEFAULTS.notifyTimeoutMs, { min: 100 }),
  };
}

const DURATION = /^([1-9][0-9]{0,6})(s|m|h|d)$/;
const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds in a duration such as `90s`, `30m`, `26h` or `7d`; undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS];
}

export function loadLogConfig(env: Env = process.env): LogConfig {
  return {
    level: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      DEFAULTS.logLevel,
    ),
  };
}

/** Reads `NAME`, or the file named by `NAME_FILE` (container secrets), but not both. */
function secret(env: Env, name: string): string {
  const value = optionalSecret(env, name);
  if (value === undefined) {
    throw new ConfigError(name, `is required (or ${name}_FILE naming a file that holds it)`);
  }
  return value;
}

/** Like {@link secret}, but undefined when neither `NAME` nor `NAME_FILE` is set. */
function optionalSecret(env: Env, name: string): string | undefined {
  const fileVar = `${name}_FILE`;
  const direct = env[name];
  const file = env[fileVar];
  if (direct && file) {
    throw new ConfigError(name, `is set together with ${fileVar}; set only one`);
  }
  if (file) {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(fileVar, `cannot read ${file} (${reason})`);
    }
    const value = content.trim();
    if (!value) throw new ConfigError(fileVar, `file ${file} is empty`);
    return value;
  }
  return direct?.trim() || undefined;
}

function apiUrl(env: Env): string {
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
  const checked = checkApiOrigin(explicit || NCP_SITES.public);
  if ('problem' in checked) throw new ConfigError('NCP_API_URL', checked.problem);
  return checked.origin;
}

/**
 * QUEUE_PREFIX: letters, digits, `_`, `-` and `.`, with at most one hash tag `{...}` (non-empty,
 * of the same characters) anywhere in it. BullMQ adds `:` itself; a stray brace would make Redis
 * Cluster hash a different part of each key.
 */
const PREFIX = /^[\w.-]*(\{[\w.-]+\}[\w.-]*)?$/;
const PREFIX_MAX = 64;

function queuePrefix(env: Env): string {
  const prefix = env.QUEUE_PREFIX?.trim() || DEFAULTS.queuePrefix;
  if (prefix.includes(':')) {
    throw new ConfigError('QUEUE_PREFIX', 'must not contain ":" (BullMQ adds its own)');
  }
  if (prefix.length > PREFIX_MAX) {
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is ${prefix.length} characters long, at most ${PREFIX_MAX}`,
    );
  }
  if (!PREFIX.test(prefix)) {
    const braces = /[{}]/.test(prefix);
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is "${prefix}": ${
        braces
          ? 'a hash tag must be one balanced, non-empty {...} such as {ncp}'
          : 'use letters, digits, "_", "-", "." and at most one hash tag such as {ncp}'
      }`,
    );
  }
  return prefix;
}

/** The shortest API_TOKEN accepted: a short token is guessed by brute force. */
export const API_TOKEN_MIN_LENGTH = 16;

function apiToken(env: Env): string | undefined {
  const token = optionalSecret(env, 'API_TOKEN');
  if (token !== undefined && token.length < API_TOKEN_MIN_LENGTH) {
    const from = env.API_TOKEN_FILE ? 'API_TOKEN_FILE' : 'API_TOKEN';
    throw new ConfigError(
      from,
      `the token is ${token.length} characters long, at least ${API_TOKEN_MIN_LENGTH} are needed (e.g. openssl rand -hex 24)`,
    );
  }
  return token;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `is "${value}", expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function optionalMatch(
  env: Env,
  name: string,
  pattern: RegExp,
  expected: string,
): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!pattern.test(value)) throw new ConfigError(name, `is "${value}", expected ${expected}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `is "${env[name]}", expected true or false`);
}

interface Bounds {
  min?: number;
  max?: number;
}

function integer(env: Env, name: string, fallback: number, bounds: Bounds): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `is "${value}", expected an integer`);
  return inBounds(name, Number(value), bounds);
}

function decimal(env: Env, name: string, fallback: number, bounds: Bounds): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new ConfigError(name, `is "${value}", expected a number such as 10 or 2.5`);
  }
  return inBounds(name, Number(value), bounds);
}

function inBounds(name: string, value: number, { min, max }: Bounds): number {
  if (min !== undefined && value < min) {
    throw new ConfigError(name, `is ${value}, must be at least ${min}`);
  }
  if (max !== undefined && value > max) {
    throw new ConfigError(name, `is ${value}, must be at most ${max}`);
  }
  return value;
}
