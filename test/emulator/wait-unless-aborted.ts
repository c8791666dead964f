/**
 * The emulator's abortable wait, so closing the emulator or a client hanging up cuts delays
 * short. Unlike the product's `shared/delay.ts`, which rejects with the signal's reason, this
 * one resolves `false` on abort: for a server an answer cut short by a hang-up is an ordinary
 * ending, not an error, and the emulator imports no production code.
 */

/**
 * Waits `ms` milliseconds unless `signal` aborts first.
 * @returns true when the time passed, false when `signal` aborted first (or already had)
 */
export function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
