import type { z } from 'zod';
import { isRecord } from '../../shared/json.ts';
import type { ExportProducer } from '../producer.ts';
import { EXPORT_JOB_STATES, type exportJobSchema } from './schemas.ts';

export type ExportJobView = z.input<typeof exportJobSchema>;

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/**
 * The job and its outcome; undefined when neither exists (never enqueued, or both expired).
 * A job whose record expired while its outcome remains is in state `unknown`.
 */
export async function readExportJob(
  producer: ExportProducer,
  jobId: string,
): Promise<ExportJobView | undefined> {
  const [job, outcome] = await Promise.all([
    producer.exportJob(jobId),
    producer.ledger.exportOutcome(jobId),
  ]);
  if (!job && !outcome) return undefined;
  const state = job ? await job.getState() : 'unknown';
  return {
    jobId,
    state: (EXPORT_JOB_STATES as readonly string[]).includes(state)
      ? (state as ExportJobView['state'])
      : 'unknown',
    request: (isRecord(job?.data)
      ? job.data
      : (outcome?.request ?? null)) as ExportJobView['request'],
    attempts: {
      made: job?.attemptsMade ?? outcome?.attempts ?? 0,
      max: job?.opts.attempts ?? outcome?.attempts ?? 1,
    },
    lastError: job?.failedReason || outcome?.error?.message || null,
    enqueuedAt: job ? iso(job.timestamp) : (outcome?.enqueuedAt ?? null),
    startedAt: job ? iso(job.processedOn) : (outcome?.startedAt ?? null),
    finishedAt: job ? iso(job.finishedOn) : (outcome?.finishedAt ?? null),
    outcome: outcome ?? null,
  };
}
