/** The worker: concurrency, the rate limit, retries, shutdown; the job policy; the log. */
import { DEFAULTS } from '../defaults.ts';
import { ConfigError, decimal, type Env, integer, oneOf } from './env.ts';

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

export interface LogConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
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
