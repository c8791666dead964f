/**
 * How the emulated gateway decides that a request is over the rate limit. NCP publishes
 * neither its limits nor its algorithm, so the emulator offers the common ones:
 *
 * - `sliding`: at most `limit` requests admitted in any window of `windowMs` (two requests
 *   share a window when their arrival times differ by less than `windowMs`);
 * - `token-bucket`: a bucket of `burst` tokens refilled at `limit` per second; a request takes
 *   one token or is refused;
 * - `fixed`: at most `limit` requests per calendar second of the wall clock (the window resets
 *   at every whole second), so up to twice the limit may pass around a boundary.
 */
import { SlidingWindow } from './sliding-window.ts';

export const GATEWAY_MODELS = ['sliding', 'token-bucket', 'fixed'] as const;
export type GatewayModel = (typeof GATEWAY_MODELS)[number];

/** Outcome of an admission: refused requests learn when room frees. */
export type Admission = { admitted: true } | { admitted: false; waitMs: number };

/** One gateway's admission state for each model; only the model in use changes. */
export class Admitter {
  readonly #windowMs: number;
  readonly #sliding: SlidingWindow;
  #tokens = Number.NaN;
  #refilledAt = 0;
  #second = Number.NaN;
  #inSecond = 0;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
    this.#sliding = new SlidingWindow(windowMs);
  }

  /**
   * Admits a request arriving at `now` (monotonic ms; `wallNow` the wall clock, for `fixed`).
   * `limit` null admits everything.
   */
  admit(
    now: number,
    wallNow: number,
    limit: number | null,
    model: GatewayModel,
    burst: number,
  ): Admission {
    // Admissions are recorded without a limit too, so a limit set later counts them.
    if (model === 'sliding' || limit === null) {
      if (limit !== null && this.#sliding.count(now) >= limit) {
        const oldest = this.#sliding.oldest() ?? now;
        return { admitted: false, waitMs: Math.max(0, oldest + this.#windowMs - now) };
      }
      this.#sliding.add(now);
      return { admitted: true };
    }
    switch (model) {
      case 'token-bucket': {
        const perMs = limit / this.#windowMs;
        if (Number.isNaN(this.#tokens)) this.#tokens = burst;
        this.#tokens = Math.min(burst, this.#tokens + (now - this.#refilledAt) * perMs);
        this.#refilledAt = now;
        if (this.#tokens < 1) return { admitted: false, waitMs: (1 - this.#tokens) / perMs };
        this.#tokens -= 1;
        return { admitted: true };
      }
      case 'fixed': {
        const second = Math.floor(wallNow / this.#windowMs);
        if (second !== this.#second) {
          this.#second = second;
          this.#inSecond = 0;
        }
        if (this.#inSecond >= limit) {
          return { admitted: false, waitMs: (second + 1) * this.#windowMs - wallNow };
        }
        this.#inSecond++;
        return { admitted: true };
      }
    }
  }

  reset(): void {
    this.#sliding.clear();
    this.#tokens = Number.NaN;
    this.#refilledAt = 0;
    this.#second = Number.NaN;
    this.#inSecond = 0;
  }
}
