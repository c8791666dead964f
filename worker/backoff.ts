/**
 * Delay before the next attempt of a transient failure: exponential backoff with full jitter.
 *
 * After the n-th failed attempt the delay is drawn uniformly from [base, min(max, base * 2^n)],
 * so retries of many jobs spread out instead of arriving together, and none comes sooner than
 * `base` nor later than `max`. NCP's `Retry-After` is a floor: a retry never comes sooner.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

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
