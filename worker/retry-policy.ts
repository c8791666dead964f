/**
 * What happens after a failed NCP call: the one place that decides whether another attempt
 * follows, and when. Exports and discovery both go through it.
 *
 * - Throttling (429) is not decided here: the call is repeated within the same attempt under
 *   the global pause (`ncp-call.ts`, `throttle.ts`) and uses up no attempt.
 * - An error the NCP client classified as not retryable (`auth`, `invalid`, `protocol`) ends
 *   the job at once; a retryable one (`server`, `network`, `timeout`, a throttle that outlasted
 *   EXPORT_THROTTLE_MAX_WAIT_MS) is tried again until the job's attempts are used up.
 * - The next attempt comes after exponential backoff with full jitter: after the n-th failed
 *   attempt the delay is drawn uniformly from [base, min(max, base * 2^n)], so retries of many
 *   jobs spread out instead of arriving together. NCP's `Retry-After` (capped at
 *   NCP_RETRY_AFTER_MAX_MS) is a floor: a retry never comes sooner.
 */
import type { Job, WorkerOptions } from 'bullmq';
import { NcpError } from '../shared/ncp/index.ts';
import { boundedRetryAfter } from './throttle.ts';

export interface BackoffPolicy {
  /** Shortest delay before another attempt (EXPORT_BACKOFF_BASE_MS). */
  baseMs: number;
  /** Longest delay before another attempt (EXPORT_BACKOFF_MAX_MS). */
  maxMs: number;
}

/** The retry policy of a worker: backoff, and the cap on NCP's Retry-After. */
export interface RetryPolicy {
  backoff: BackoffPolicy;
  /** Longest wait one Retry-After may set (NCP_RETRY_AFTER_MAX_MS). */
  retryAfterMaxMs: number;
}

/** The delay before the attempt that follows attempt number `attemptsMade` (from 1). */
export function backoffDelay(
  policy: BackoffPolicy,
  attemptsMade: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(1, attemptsMade));
  const jittered = policy.baseMs + random() * (ceiling - policy.baseMs);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** The delay before another attempt after `error`, Retry-After capped by the policy. */
export function retryDelay(policy: RetryPolicy, attemptsMade: number, error: unknown): number {
  const retryAfterMs = error instanceof NcpError ? error.retryAfterMs : undefined;
  return backoffDelay(
    policy.backoff,
    attemptsMade,
    boundedRetryAfter(retryAfterMs, policy.retryAfterMaxMs),
  );
}

/** BullMQ's custom backoff strategy (`backoff: { type: 'ncp-jitter' }` on every job). */
export function backoffStrategy(policy: RetryPolicy): NonNullable<WorkerOptions['settings']> {
  return {
    backoffStrategy: (attemptsMade, _type, error) => retryDelay(policy, attemptsMade, error),
  };
}

/**
 * True when no attempt follows this one: the error is not worth another, or this was the
 * job's last attempt. The attempt that ends a job for good writes its outcome.
 */
export function isFinalAttempt(
  error: NcpError,
  attemptsMade: number,
  maxAttempts: number,
): boolean {
  return !error.retryable || attemptsMade + 1 >= maxAttempts;
}

/**
 * True when this job was started before without finishing that run (its worker died or lost
 * the lock), so its outcome may already be written: settle from it instead of calling again.
 */
export function wasInterrupted(job: Job): boolean {
  return job.stalledCounter > 0 || job.attemptsStarted > job.attemptsMade + 1;
}
