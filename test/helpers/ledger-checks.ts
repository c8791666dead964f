/**
 * Checks on the product's own record, for tests that kill workers: the ledger's counted
 * finishes, its records, and the export queue's states, which must all agree.
 */
import { expect } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import type { Pipeline } from './pipeline.ts';

/** A small seeded random generator (mulberry32), so a chaos run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** CHAOS_SEED when set (to replay a run), else a fresh one; the test prints it. */
export function chaosSeed(): number {
  const given = Number(process.env.CHAOS_SEED);
  return Number.isInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
}

/**
 * Waits until the ledger has counted `jobs` finished exports; on timeout the error carries what
 * the queue and the ledger hold, so a stuck run says where its jobs are.
 */
export async function waitForFinishes(
  pipeline: Pipeline,
  jobs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const totals = await pipeline.producer.ledger.totals();
    if (totals.exports >= jobs) return;
    if (Date.now() > deadline) {
      const counts = await pipeline.producer.queue.getJobCounts();
      throw new Error(
        `${totals.exports} of ${jobs} exports finished after ${timeoutMs} ms; ledger ${JSON.stringify(totals)}, export queue ${JSON.stringify(counts)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Every job ended in exactly one record: the ledger counted `jobs` first finishes (a second
 * finish of a job would count twice, a lost one not at all), holds `jobs` records, and the
 * export queue holds `jobs` finished jobs. A job's record can say succeeded while BullMQ failed
 * the job (its worker died after NCP accepted the call and BullMQ's stall limit then failed
 * it): the record is the truth, so the queue may hold more failures than the records, never
 * fewer. Returns the records.
 */
export async function expectOneRecordPerJob(pipeline: Pipeline, jobs: number): Promise<Outcome[]> {
  const { ledger, queue } = pipeline.producer;
  const totals = await ledger.totals();
  expect(totals.exports).toBe(jobs);
  const outcomes = await pipeline.outcomes();
  expect(outcomes).toHaveLength(jobs);
  const counts = await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
  expect(counts).toMatchObject({ active: 0, wait: 0, delayed: 0 });
  expect((counts.completed ?? 0) + (counts.failed ?? 0)).toBe(jobs);
  const failedRecords = outcomes.filter((o) => o.status === 'failed').length;
  expect(failedRecords).toBeLessThanOrEqual(counts.failed ?? 0);
  return outcomes;
}
