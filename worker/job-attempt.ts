/** What every processor works out first about the attempt it is running. */
import type { Job } from 'bullmq';
import type { Logger } from '../shared/logger.ts';

export interface JobAttempt {
  /** When this attempt started (BullMQ's processedOn). */
  startedAt: Date;
  /** The job's attempts (at least 1). */
  maxAttempts: number;
  /** A child logger naming the job, its queue and "attempt x of y". */
  log: Logger;
}

export function jobAttempt(job: Job, logger: Logger, now: () => number): JobAttempt {
  const maxAttempts = Math.max(1, job.opts.attempts ?? 1);
  return {
    startedAt: new Date(job.processedOn ?? now()),
    maxAttempts,
    log: logger.child({
      jobId: job.id,
      queue: job.queueName,
      attempt: `${job.attemptsMade + 1} of ${maxAttempts}`,
    }),
  };
}
