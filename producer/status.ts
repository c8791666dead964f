/** A snapshot of the whole system: both queues, the shared throttle, and recent failures. */
import type { ErrorKind } from '../shared/contract.ts';
import type { JobState } from '../shared/job-states.ts';
import type { ThrottleState } from '../shared/limiter-keys.ts';
import type { ExportProducer } from './producer.ts';

type Counts = Record<JobState, number>;

export interface StatusSnapshot {
  at: string;
  exports: Counts;
  /** Outcome records retained. */
  outcomes: number;
  throttle: ThrottleState;
  /** Failures among the `recentWindow` newest outcomes, by error kind. */
  recentErrors: Partial<Record<ErrorKind, number>>;
  recentWindow: number;
  workers: number;
}

const RECENT = 1000;

export async function readStatus(producer: ExportProducer): Promise<StatusSnapshot> {
  const [exports, outcomeCounts, throttle, recent, workers] = await Promise.all([
    producer.jobCounts(),
    producer.ledger.retained(),
    producer.throttleState(),
    producer.ledger.recentExportOutcomes(RECENT),
    producer.workerCount(),
  ]);
  const recentErrors: Partial<Record<ErrorKind, number>> = {};
  for (const outcome of recent) {
    if (outcome.status !== 'failed' || !outcome.error) continue;
    recentErrors[outcome.error.kind] = (recentErrors[outcome.error.kind] ?? 0) + 1;
  }
  return {
    at: new Date().toISOString(),
    exports,
    outcomes: outcomeCounts,
    throttle,
    recentErrors,
    recentWindow: recent.length,
    workers,
  };
}

/** Exports not finished yet. */
export function pending(snapshot: StatusSnapshot): number {
  const e = snapshot.exports;
  return e.waiting + e.prioritized + e.delayed + e.active;
}
