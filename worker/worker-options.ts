/**
 * The BullMQ worker options every queue this process consumes shares: locks and stalled-job
 * recovery, retention defaults for jobs whose producer set none, and the `ncp-jitter` backoff
 * (`retry-policy.ts`).
 */
import type { WorkerOptions } from 'bullmq';
import type { JobPolicy, RedisConfig, WorkerConfig } from '../shared/config.ts';
import type { RedisClient } from '../shared/redis.ts';
import { bullTelemetry } from '../shared/tracing.ts';
import { backoffStrategy } from './retry-policy.ts';

export function sharedWorkerOptions(
  connection: RedisClient,
  redis: RedisConfig,
  config: WorkerConfig,
  policy: JobPolicy,
  concurrency: number,
): WorkerOptions {
  return {
    connection,
    prefix: redis.prefix,
    concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: config.maxStalledCount,
    removeOnComplete: { age: policy.keepCompletedSeconds },
    removeOnFail: { age: policy.keepFailedSeconds },
    // Each attempt's `process` span continues the trace its job was enqueued in (traces on).
    telemetry: bullTelemetry(),
    settings: backoffStrategy({
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      retryAfterMaxMs: config.retryAfterMaxMs,
    }),
  };
}
