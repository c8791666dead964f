/**
 * Events within a sliding time window, kept as a deque of timestamps: O(1) amortized per event.
 *
 * Two events share a window when their times differ by less than the window length, so the
 * window "ending" at `now` holds the events with time in `(now - windowMs, now]`. The most
 * events ever held at once is exactly the most events within any window of that length,
 * because such a maximal window can always be slid until it ends on an event.
 */
export class SlidingWindow {
  readonly #windowMs: number;
  #times: number[] = [];
  #head = 0;
  #max = 0;

  /** @param windowMs - window length in the same unit as the times (milliseconds) */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Events in the window ending at `now`. Times must never decrease. */
  count(now: number): number {
    this.#evict(now);
    return this.#times.length - this.#head;
  }

  /** Records an event at `now` and returns the events in the window ending at `now`. */
  add(now: number): number {
    this.#evict(now);
    this.#times.push(now);
    const count = this.#times.length - this.#head;
    if (count > this.#max) this.#max = count;
    return count;
  }

  /** Time of the oldest event still in the window (as of the last call), if any. */
  oldest(): number | undefined {
    return this.#times[this.#head];
  }

  /** The most events within any window so far. */
  get max(): number {
    return this.#max;
  }

  /** Forgets every event and the maximum. */
  clear(): void {
    this.#times = [];
    this.#head = 0;
    this.#max = 0;
  }

  #evict(now: number): void {
    const edge = now - this.#windowMs;
    while (this.#head < this.#times.length && this.#times[this.#head]! <= edge) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
