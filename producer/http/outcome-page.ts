/**
 * Outcome records page by page. Outcomes stay `waiting` on the results queue until some
 * system consumes them, so a page walks the states in a fixed order, oldest first within
 * each; the cursor is the position after the last record scanned. New outcomes join the end,
 * so paging forward misses none; outcomes pruned or consumed meanwhile can shift a position.
 */
import type { Job, JobType, Queue } from 'bullmq';
import { OUTCOME_JOB_NAME, type Outcome } from '../../shared/contract.ts';
import { matches, type OutcomeFilter } from '../outcomes.ts';
import { encodeCursor, type OutcomeCursor } from './schemas.ts';

const STATES: JobType[] = ['waiting', 'active', 'completed', 'failed', 'delayed'];
const BATCH = 500;

export interface OutcomePage {
  items: Outcome[];
  nextCursor: string | null;
}

export interface PageOptions {
  cursor?: OutcomeCursor | undefined;
  limit: number;
  /** Most records looked at for one page; a sparse filter returns fewer items and a cursor. */
  maxScan?: number;
}

export async function readOutcomePage(
  resultsQueue: Queue,
  filter: OutcomeFilter,
  options: PageOptions,
): Promise<OutcomePage> {
  const maxScan = options.maxScan ?? 10_000;
  const items: Outcome[] = [];
  let scanned = 0;
  for (let state = options.cursor?.state ?? 0; state < STATES.length; state++) {
    let offset = state === options.cursor?.state ? options.cursor.offset : 0;
    for (;;) {
      const size = Math.min(BATCH, maxScan - scanned);
      // Ids first, so positions stay right when a job vanishes before it is read.
      const ids = await resultsQueue.getRanges([STATES[state]!], offset, offset + size - 1, true);
      const jobs = (await Promise.all(ids.map((id) => resultsQueue.getJob(id)))) as (
        | Job
        | undefined
      )[];
      for (const job of jobs) {
        offset++;
        scanned++;
        // The results queue also holds discovery outcomes: only export outcomes are listed.
        if (job?.name !== OUTCOME_JOB_NAME || !job.data) continue;
        const outcome = job.data as Outcome;
        if (!matches(outcome, filter)) continue;
        items.push(outcome);
        if (items.length === options.limit) {
          return { items, nextCursor: encodeCursor({ state, offset }) };
        }
      }
      if (ids.length < size) break;
      if (scanned >= maxScan) return { items, nextCursor: encodeCursor({ state, offset }) };
    }
  }
  return { items, nextCursor: null };
}
