/**
 * A BullMQ job as a processor sees it, without Redis: enough fields for the processors' logic,
 * and `moveToDelayed` recording where a handed-back job went.
 */
import type { Job } from 'bullmq';

export type FakeJob = Job & { delayedTo?: number };

export function fakeJob(fields: Partial<Job> & Pick<Job, 'id' | 'queueName' | 'data'>): FakeJob {
  const job = {
    opts: { attempts: 3 },
    attemptsMade: 0,
    attemptsStarted: 1,
    stalledCounter: 0,
    timestamp: Date.parse('2026-11-26T00:00:00Z'),
    processedOn: Date.parse('2026-11-26T00:00:01Z'),
    moveToDelayed(timestamp: number) {
      (job as { delayedTo?: number }).delayedTo = timestamp;
      return Promise.resolve();
    },
    ...fields,
  };
  return job as unknown as FakeJob;
}
