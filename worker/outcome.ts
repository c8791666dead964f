/**
 * Export outcome records: how one is built from a finished call. They are written only through
 * the ledger (`shared/ledger/`), by way of `finish.ts`.
 */
import type { Job } from 'bullmq';
import {
  type ExportRequest,
  type Landing,
  OUTCOME_SCHEMA_VERSION,
  type Outcome,
  type OutcomeError,
} from '../shared/contract.ts';
import { isRecord } from '../shared/json.ts';
import type { RecordResult } from '../shared/ledger/index.ts';
import type { NcpResponse } from '../shared/ncp/index.ts';

/** Where the export processor records outcomes: the ledger (see `finish.ts`), or a test's. */
export interface OutcomeStore {
  /** Records the job's outcome; `repeat` when the job was recorded before (kept, not replaced). */
  write(outcome: Outcome): Promise<RecordResult>;
  /** The outcome already recorded for an export job, if any. */
  read(jobId: string): Promise<Outcome | undefined>;
}

export interface FinishedCall {
  job: Pick<Job, 'id' | 'timestamp' | 'attemptsMade'>;
  /** The validated request, or the raw data when it broke the contract. */
  request: ExportRequest | Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date;
  response?: NcpResponse;
  error?: OutcomeError & { httpStatus?: number | undefined; requestId?: string | undefined };
  /** Succeeded exports: where the landing check stands (`pending`, or `not-checked` when off). */
  landing?: Landing | undefined;
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
    schemaVersion: OUTCOME_SCHEMA_VERSION,
    ...(call.landing && !error ? { landing: call.landing } : {}),
  };
}
