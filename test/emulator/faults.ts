/**
 * Decides which fault, if any, hits a request: the schedule first, then one random draw.
 */
import type { ResolvedFaults } from './config.ts';
import { FAULT_NAMES, type FaultName } from './types.ts';

/** The fault plan of a running emulator; replaced whole by {@link FaultPlan.set}. */
export class FaultPlan {
  #faults: ResolvedFaults;
  #next = 0;

  constructor(faults: ResolvedFaults) {
    this.#faults = faults;
  }

  /** Starts over with new fault settings (and their schedule from its start). */
  set(faults: ResolvedFaults): void {
    this.#faults = faults;
    this.#next = 0;
  }

  /** Delay of a `slow` answer, in milliseconds. */
  get slowMs(): number {
    return this.#faults.slowMs;
  }

  /**
   * The fault for the next request: the next schedule entry while any is left, else one
   * draw `u = random()` against consecutive intervals of [0, 1) in FAULT_NAMES order.
   * No draw is made when no probability is set.
   */
  draw(random: () => number): FaultName | null {
    const scheduled = this.#faults.schedule[this.#next];
    if (scheduled !== undefined) {
      this.#next++;
      return scheduled === 'none' ? null : scheduled;
    }
    const probability = this.#faults.probability;
    if (!FAULT_NAMES.some((name) => (probability[name] ?? 0) > 0)) return null;
    const u = random();
    let edge = 0;
    for (const name of FAULT_NAMES) {
      edge += probability[name] ?? 0;
      if (u < edge) return name;
    }
    return null;
  }
}
