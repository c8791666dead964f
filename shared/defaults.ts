/** Every default in one place. README's configuration table mirrors this file. */

export const NCP_SITES = {
  public: 'https://ncloud.apigw.ntruss.com',
  gov: 'https://ncloud.apigw.gov-ntruss.com',
  // The fin host for vcache is unverified; NCP documents it for vredis.
  fin: 'https://fin-ncloud.apigw.fin-ntruss.com',
} as const;

export type NcpSite = keyof typeof NCP_SITES;

/**
 * The region NCP uses on each site when a call names none: the first region NCP lists there.
 * Public: KR (documented). Gov (KR, KRS) and fin (FKR): assumed the same way, unverified.
 */
export const NCP_SITE_REGIONS = {
  public: 'KR',
  gov: 'KR',
  fin: 'FKR',
} as const satisfies Record<NcpSite, string>;

/**
 * Service codes retried by default: `1000`, NCP's documented "try again later". Which other
 * Cloud DB for Cache codes are transient is not published; NCP_RETRYABLE_CODES adds them.
 */
export const DEFAULT_RETRYABLE_CODES: ReadonlySet<string> = new Set(['1000']);

export const DEFAULTS = {
  responseFormat: 'json',
  timeoutMs: 10_000,
  /** NCP's answers to these calls are well under 1 KiB; lists stay far below this. */
  maxResponseBytes: 4 * 1024 * 1024,
  redisUrl: 'redis://127.0.0.1:6379',
  queuePrefix: 'bull',
  concurrency: 16,
  rateLimit: 10,
  rateGuardMs: 20,
  /** Calls that may leave together beyond the paced one. */
  rateBurst: 1,
  /** Longest pause a single Retry-After may set. */
  retryAfterMaxMs: 60_000,
  /** Auth errors (gateway codes 200, 210) within a minute that pause every worker; 0 = never. */
  authPauseAfter: 3,
  authProbeIntervalMs: 60_000,
  maxAttempts: 8,
  keepCompletedHours: 24,
  keepFailedHours: 720,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
  throttleMaxWaitMs: 600_000,
  /** `discover --fresh`: longest wait for a created manual backup's file to be listed. */
  freshTimeoutMs: 1_800_000,
  /** `discover --fresh`: time between looks at the manual backup list. */
  freshPollMs: 15_000,
  shutdownTimeoutMs: 30_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 3,
  logLevel: 'info',
  httpPort: 3000,
  httpHost: '0.0.0.0',
  /** 10,000 requests of ~150 bytes, with room for `meta`. */
  httpBodyLimitBytes: 16 * 1024 * 1024,
  httpRequestTimeoutMs: 30_000,
  metricsHost: '0.0.0.0',
  /** An instance with no successful export for this long is stale (a daily backup, plus 2 h). */
  reportStaleAfter: '26h',
  notifyFormat: 'json',
  /** At most one message about failed exports per this many seconds, across all workers. */
  notifyBatchSeconds: 60,
  /** How often one worker looks for instances that went stale. */
  notifyStaleCheckSeconds: 300,
  notifyMaxAttempts: 10,
  notifyTimeoutMs: 10_000,
} as const satisfies Record<string, string | number>;
