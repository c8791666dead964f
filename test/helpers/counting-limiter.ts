/**
 * A rate limiter for unit tests of code that calls NCP under the limit (`CallLimiter`): it
 * never waits, and counts what it was asked. Bookings are `booking-1`, `booking-2`, ...
 */
import type { CallLimiter } from '../../worker/ncp-call.ts';

export interface CountingLimiterOptions {
  /**
   * The global pause `throttled` reports for a 429 without Retry-After, in ms (with one, the
   * Retry-After is reported).
   * @defaultValue 10
   */
  pauseMs?: number;
}

export class CountingLimiter implements CallLimiter {
  /** Calls that got their turn. */
  acquired = 0;
  /** Bookings reported sent, in order. */
  readonly booked: string[] = [];
  /** The Retry-After of each reported 429, in ms (undefined: none). */
  readonly throttles: (number | undefined)[] = [];
  /** A global pause in force at each acquire, in ms, reported to `onWait` (0: none). */
  pausedForMs = 0;
  /** Aborted at the next acquire: the worker shuts down while a call waits for its turn. */
  abortOnAcquire?: AbortController;
  readonly #pauseMs: number;

  constructor(options: CountingLimiterOptions = {}) {
    this.#pauseMs = options.pauseMs ?? 10;
  }

  async acquire(signal?: AbortSignal, onWait?: (waitMs: number, paused: boolean) => void) {
    signal?.throwIfAborted();
    this.abortOnAcquire?.abort(new Error('worker is shutting down'));
    signal?.throwIfAborted();
    if (this.pausedForMs > 0) onWait?.(this.pausedForMs, true);
    return `booking-${++this.acquired}`;
  }

  async sent(booking: string) {
    this.booked.push(booking);
  }

  async throttled(retryAfterMs: number | undefined) {
    this.throttles.push(retryAfterMs);
    return retryAfterMs ?? this.#pauseMs;
  }
}
