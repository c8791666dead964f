/** What every processor works out first about the attempt it is running. */
import type { Job } from 'bullmq';
import { boundLogger } from '../shared/bound-logger.ts';
import type { Logger } from '../shared/logger.ts';

export interface JobAttempt {
  /** When this attempt started (BullMQ's processedOn). */
  startedAt: Date;
  /** The job's attempts (at least 1). */
  maxAttempts: number;
  /** A logger naming the job, its queue and "attempt x of y" in every line (no pino child). */
  log: Logger;
}

export function jobAttempt(job: Job, logger: Logger, now: () => number): JobAttempt {
  const maxAttempts = Math.max(1, job.opts.attempts ?? 1);
  return {
    startedAt: new Date(job.processedOn ?? now()),
    maxAttempts,
    log: boundLogger(logger, {
      jobId: job.id,
      queue: job.queueName,
      attempt: `${job.attemptsMade + 1} of ${maxAttempts}`,
    }),
  };
}
