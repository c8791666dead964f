/**
 * Outcome records: one per export job that finished for good, written to the results queue
 * under the export job's own id. BullMQ ignores an add whose job id exists, so writing the
 * same finish twice (a worker that crashed after writing, then ran the job again) leaves one.
 */
import type { Job, Queue } from 'bullmq';
import {
  type ExportRequest,
  OUTCOME_JOB_NAME,
  type Outcome,
  type OutcomeError,
} from '../shared/contract.ts';
import { isRecord } from '../shared/json.ts';
import type { NcpResponse } from '../shared/ncp/index.ts';

export interface OutcomeStore {
  write(outcome: Outcome): Promise<void>;
  /** The outcome already written for an export job, if any. */
  read(jobId: string): Promise<Outcome | undefined>;
}

export class QueueOutcomeStore implements OutcomeStore {
  private readonly queue: Queue;

  constructor(resultsQueue: Queue) {
    this.queue = resultsQueue;
  }

  async write(outcome: Outcome): Promise<void> {
    await this.queue.add(OUTCOME_JOB_NAME, outcome, { jobId: outcome.jobId });
  }

  async read(jobId: string): Promise<Outcome | undefined> {
    const job = await this.queue.getJob(jobId);
    return job ? (job.data as Outcome) : undefined;
  }
}

export interface FinishedCall {
  job: Pick<Job, 'id' | 'timestamp' | 'attemptsMade'>;
  /** The validated request, or the raw data when it broke the contract. */
  request: ExportRequest | Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date;
  response?: NcpResponse;
  error?: OutcomeError & { httpStatus?: number | undefined; requestId?: string | undefined };
}

export function buildOutcome(call: FinishedCall): Outcome {
  const { job, request, response, error } = call;
  const meta = isRecord(request.meta) ? (request.meta as Outcome['meta']) : {};
  return {
    jobId: String(job.id),
    request: request as Outcome['request'],
    status: error ? 'failed' : 'succeeded',
    attempts: job.attemptsMade + 1,
    httpStatus: response?.httpStatus ?? error?.httpStatus ?? null,
    requestId: response?.requestId ?? error?.requestId ?? null,
    returnCode: response?.returnCode ?? null,
    returnMessage: response?.returnMessage ?? null,
    error: error
      ? { kind: error.kind, code: error.code, message: error.message, retryable: error.retryable }
      : null,
    enqueuedAt: new Date(job.timestamp).toISOString(),
    startedAt: call.startedAt.toISOString(),
    finishedAt: call.finishedAt.toISOString(),
    meta,
  };
}
