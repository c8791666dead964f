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
  /** How long a fresh discovery's progress in Redis outlives its wait before it expires. */
  freshProgressSlackMs: 86_400_000,
  /** How long `discover` waits for the outcome, in seconds; with `--fresh`. */
  discoverWaitSeconds: 600,
  discoverFreshWaitSeconds: 3600,
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
  /** How long a sign-in to the page (`/` of `serve`) lasts. */
  pageSessionSeconds: 12 * 3600,
  /** An instance with no successful export for this long is stale (a daily backup, plus 2 h). */
  reportStaleAfter: '26h',
  notifyFormat: 'json',
  /** At most one message about failed exports per this many seconds, across all workers. */
  notifyBatchSeconds: 60,
  /** How often one worker looks for instances that went stale. */
  notifyStaleCheckSeconds: 300,
  notifyMaxAttempts: 10,
  notifyTimeoutMs: 10_000,
  /**
   * How long a call the rate limiter granted counts before it is booked as sent: at least the
   * NCP timeout, so a call from a worker that died before booking counts until it cannot arrive.
   */
  rateReserveMs: 10_000,
  /** A job stopped by the auth pause comes back this much later (its worker stops taking jobs). */
  authPausedRetryDelayMs: 5_000,
  /** Attempts of a discovery job: its list calls retry on their own (EXPORT_MAX_ATTEMPTS each). */
  discoveryAttempts: 3,
  /** Discovery jobs one worker process runs at once: few and long, mostly waiting on NCP. */
  discoveryConcurrency: 2,
  /** Instances per page of an instance list. */
  discoveryPageSize: 100,
  /** Backup lists one discovery fetches at once. */
  discoveryListConcurrency: 4,
  /** Exports added to Redis in one batch (one addBulk, one duplicate check). */
  enqueueBatch: 1_000,
} as const satisfies Record<string, string | number>;

/**
 * How the fleet learns NCP's limit from 429s (`worker/throttle.ts` explains each); not
 * configurable by environment, tuned by the gateway benchmark.
 */
export const THROTTLE_TUNING = {
  /** Pace this much under the rate NCP accepted before a 429. */
  margin: 0.03,
  /** First pause when NCP throttles at any rate. */
  adaptiveBaseMs: 1000,
  /** Longest such pause (never above the Retry-After cap). */
  adaptiveMaxMs: 30_000,
  /** Without a 429 for this long, the limit in force grows by `probeStep`. */
  probeEveryMs: 1000,
  /** Growth per probe while a recent ceiling bounds it. */
  probeStep: 0.01,
  /** Growth per probe with no recent ceiling (the estimate was only a lower bound). */
  probeStepUnbounded: 0.1,
  /** How long a ceiling seen at a 429 stops probing just under it. */
  ceilingTtlMs: 600_000,
  /** How long after sending a call's 429 still counts towards an estimate. */
  keepMs: 5000,
} as const;

/** Traces (OpenTelemetry), off unless the standard OTEL_* variables turn them on. */
export const TRACING_DEFAULTS = {
  /** The OTLP/HTTP receiver of a collector on this host, as the OpenTelemetry spec sets it. */
  otlpEndpoint: 'http://localhost:4318',
  /** The spec's default OTLP protocol; `http/json` is the other one supported. */
  otlpProtocol: 'http/protobuf',
  sampler: 'parentbased_always_on',
  /**
   * How long one export to the collector may take; a stopping process waits about this long.
   * The spec's 10 s would hold up every command for 10 s with the collector down.
   */
  exportTimeoutMs: 5000,
  workerService: 'ncp-cache-export-worker',
  producerService: 'ncp-cache-export-producer',
} as const satisfies Record<string, string | number>;
