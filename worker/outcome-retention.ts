/**
 * Outcome retention (OUTCOME_KEEP_DAYS): outcome records older than the limit are removed, in
 * whatever state a consumer left them. By default nothing is removed. Every worker prunes
 * once at start and then hourly; running it on several workers at once is harmless.
 */
import type { Ledger } from '../shared/ledger/index.ts';
import type { Logger } from '../shared/logger.ts';

/** Starts pruning; returns a function that stops it. */
export function startOutcomeRetention(
  ledger: Pick<Ledger, 'prune'>,
  keepSeconds: number | undefined,
  logger: Logger,
  intervalMs = 3_600_000,
): () => void {
  if (keepSeconds === undefined) return () => {};
  const prune = () =>
    ledger.prune(keepSeconds).then(
      (removed) => removed > 0 && logger.info({ removed, keepSeconds }, 'pruned old outcomes'),
      (error: unknown) => logger.warn({ err: error }, 'could not prune old outcomes'),
    );
  void prune();
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
