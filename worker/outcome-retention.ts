/**
 * Outcome retention (OUTCOME_KEEP_DAYS): outcome records older than the limit are removed, in
 * whatever state a consumer left them. By default nothing is removed. Every worker prunes
 * once at start and then hourly; running it on several workers at once is harmless.
 */
import type { Queue } from 'bullmq';
import type { Logger } from '../shared/logger.ts';

const STATES = ['wait', 'completed', 'failed', 'delayed'] as const;
const BATCH = 1000;

/** Removes outcomes written more than `keepSeconds` ago; returns how many. */
export async function pruneOutcomes(resultsQueue: Queue, keepSeconds: number): Promise<number> {
  let removed = 0;
  for (const state of STATES) {
    for (;;) {
      const ids = await resultsQueue.clean(keepSeconds * 1000, BATCH, state);
      removed += ids.length;
      if (ids.length < BATCH) break;
    }
  }
  return removed;
}

/** Starts pruning; returns a function that stops it. */
export function startOutcomeRetention(
  resultsQueue: Queue,
  keepSeconds: number | undefined,
  logger: Logger,
  intervalMs = 3_600_000,
): () => void {
  if (keepSeconds === undefined) return () => {};
  const prune = () =>
    pruneOutcomes(resultsQueue, keepSeconds).then(
      (removed) => removed > 0 && logger.info({ removed, keepSeconds }, 'pruned old outcomes'),
      (error: unknown) => logger.warn({ err: error }, 'could not prune old outcomes'),
    );
  void prune();
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
