/**
 * `NCP_RATE_LIMIT=off`: no shared limit and no shared pause. Each process still waits out the
 * 429s it receives (Retry-After, else 1 s) before its next call. For benchmarks of the
 * pipeline itself, and for setups where something else shapes the traffic to NCP.
 */
import { delay } from '../shared/delay.ts';
import type { ThrottleState } from '../shared/limiter-keys.ts';
import type { CallLimiter } from './processor.ts';

export class UnlimitedCalls implements CallLimiter {
  readonly window = undefined;
  private pausedUntil = 0;

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
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + (retryAfterMs ?? 1000));
    return this.pausedUntil - Date.now();
  }

  async state(): Promise<ThrottleState> {
    return {
      pausedForMs: Math.max(0, this.pausedUntil - Date.now()),
      callsLastSecond: 0,
      strikes: 0,
      limitInForce: undefined,
    };
  }
}
