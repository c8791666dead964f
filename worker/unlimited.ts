/**
 * `NCP_RATE_LIMIT=off`: no shared limit and no shared pause. Each process still waits out the
 * 429s it receives (Retry-After up to NCP_RETRY_AFTER_MAX_MS, else 1 s) before its next call. For benchmarks of the
 * pipeline itself, and for setups where something else shapes the traffic to NCP.
 */
import { delay } from '../shared/delay.ts';
import type { ThrottleState } from '../shared/limiter-keys.ts';
import type { CallLimiter } from './processor.ts';
import { boundedRetryAfter } from './throttle.ts';

export class UnlimitedCalls implements CallLimiter {
  readonly window = undefined;
  readonly retryAfterMaxMs: number;
  private pausedUntil = 0;

  /** @param retryAfterMaxMs - longest pause one Retry-After sets (NCP_RETRY_AFTER_MAX_MS) */
  constructor(retryAfterMaxMs = 60_000) {
    this.retryAfterMaxMs = retryAfterMaxMs;
  }

  async acquire(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
  ): Promise<string> {
    signal?.throwIfAborted();
    const waitMs = this.pausedUntil - Date.now();
    if (waitMs > 0) {
      onWait?.(waitMs, true);
      await delay(waitMs, signal);
    }
    return '';
  }

  async sent(): Promise<void> {}

  async throttled(retryAfterMs: number | undefined): Promise<number> {
    const waitMs = boundedRetryAfter(retryAfterMs, this.retryAfterMaxMs) ?? 1000;
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
    return this.pausedUntil - Date.now();
  }

  async state(): Promise<ThrottleState> {
    return {
      pausedForMs: Math.max(0, this.pausedUntil - Date.now()),
      callsLastSecond: 0,
      strikes: 0,
      limitInForce: undefined,
      ncpAccepted: undefined,
      ceiling: undefined,
      lastThrottledAt: undefined,
      authPause: undefined,
    };
  }
}
