/**
 * An outcome store in memory, for unit tests of the export and discovery processors: like the
 * real stores, the first outcome of a job is kept and a later one is a `repeat`.
 */
import type { RecordResult } from '../../shared/ledger/index.ts';

export class MemoryOutcomes<T extends { jobId: string }> {
  /** Outcomes recorded, in order. */
  readonly written: T[] = [];

  async write(outcome: T): Promise<RecordResult> {
    if (this.written.some((o) => o.jobId === outcome.jobId)) return 'repeat';
    this.written.push(outcome);
    return 'recorded';
  }

  async read(jobId: string): Promise<T | undefined> {
    return this.written.find((o) => o.jobId === jobId);
  }
}
