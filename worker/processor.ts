/**
 * The export processor: a plain function of a BullMQ job, with its collaborators handed in,
 * so its logic is tested without sockets.
 *
 * One attempt = validate, wait for the global rate limit, call NCP. A 429 pauses every
 * worker and the call is repeated within the same attempt (throttling does not use up
 * attempts) until `throttleMaxWaitMs` runs out. Whether another attempt follows any other error
 * is decided in `retry-policy.ts`. The attempt
 * that finishes the job for good writes its outcome before returning.
 */

import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { type ExportRequest, formatFieldIssue, parseExportRequest } from '../shared/contract.ts';
import { DEFAULTS } from '../shared/defaults.ts';
import { isRecord } from '../shared/json.ts';
import type { Logger } from '../shared/logger.ts';
import type { NcpResponse } from '../shared/ncp/index.ts';
import { traceAttempt } from './attempt-span.ts';
import { type AuthBreaker, AuthPausedError } from './auth-breaker.ts';
import { jobAttempt } from './job-attempt.ts';
import { asNcpError, type CallLimiter, callUnderLimit } from './ncp-call.ts';
import { buildOutcome, type FinishedCall, type OutcomeStore } from './outcome.ts';
import { isFinalAttempt, wasInterrupted } from './retry-policy.ts';

export type { CallLimiter } from './ncp-call.ts';

export interface ExportClient {
  exportBackup(
    request: ExportRequest,
    options?: { signal?: AbortSignal; defaultRegion?: string | undefined; onSent?: () => void },
  ): Promise<NcpResponse>;
}

export interface ProcessorDeps {
  client: ExportClient;
  limiter: CallLimiter;
  outcomes: OutcomeStore;
  logger: Logger;
  /** Region for requests that carry none; undefined lets NCP choose. */
  defaultRegion?: string | undefined;
  /** Longest one attempt waits out throttling before it fails with kind `throttled`. */
  throttleMaxWaitMs: number;
  /** Aborts when the worker shuts down: waiting jobs are handed back, calls in flight finish. */
  shutdown: AbortSignal;
  now?: () => number;
  /** Pauses every worker after repeated auth errors; jobs it stops are handed back. */
  auth?: AuthBreaker | undefined;
}

export interface ExportResult {
  requestId: string;
  returnCode: string;
  httpStatus: number;
}

type ExportJob = Job<unknown, ExportResult>;

export function createExportProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;

  return (job: ExportJob, token?: string): Promise<ExportResult> =>
    traceAttempt(job, () => processExport(job, token));

  async function processExport(job: ExportJob, token?: string): Promise<ExportResult> {
    const { startedAt, maxAttempts, log } = jobAttempt(job, deps.logger, now);

    if (wasInterrupted(job)) {
      const prior = await deps.outcomes.read(String(job.id));
      if (prior) {
        log.info({ status: prior.status }, 'outcome already written before an interruption');
        return settleFromOutcome(prior);
      }
    }

    const parsed = parseExportRequest(job.data);
    if (!parsed.ok) {
      const message = `job data breaks the export contract: ${parsed.issues.map(formatFieldIssue).join('; ')}`;
      const request = isRecord(job.data) ? job.data : { data: job.data ?? null };
      await finish(deps, log, {
        job,
        request,
        startedAt,
        finishedAt: new Date(now()),
        error: { kind: 'invalid', code: 'ERR_CONTRACT', message, retryable: false },
      });
      throw new UnrecoverableError(message);
    }
    const request = parsed.value;
    const callLog = log.child({ api: request.api, instanceNo: request.instanceNo });

    let response: NcpResponse;
    try {
      response = await callNcp(deps, request, callLog, now);
    } catch (error) {
      if (deps.shutdown.aborted && error === deps.shutdown.reason) {
        // Shutting down before the call was sent: hand the job back without using an attempt.
        await job.moveToDelayed(now(), token);
        throw new DelayedError('handed back on shutdown');
      }
      if (error instanceof AuthPausedError) {
        // Auth errors pause every worker: the job waits, using no attempt.
        await job.moveToDelayed(now() + DEFAULTS.authPausedRetryDelayMs, token);
        throw new DelayedError('handed back: auth errors pause every worker');
      }
      const ncpError = asNcpError(error);
      if (isFinalAttempt(ncpError, job.attemptsMade, maxAttempts)) {
        await finish(deps, callLog, {
          job,
          request,
          startedAt,
          finishedAt: new Date(now()),
          error: { ...ncpError.toOutcomeError(), httpStatus: ncpError.httpStatus },
        });
      }
      throw ncpError.retryable ? ncpError : new UnrecoverableError(ncpError.message);
    }

    await finish(deps, callLog, {
      job,
      request,
      startedAt,
      finishedAt: new Date(now()),
      response,
    });
    return {
      requestId: response.requestId,
      returnCode: response.returnCode,
      httpStatus: response.httpStatus,
    };
  }
}

/** One attempt's calls: repeated while NCP throttles, within `throttleMaxWaitMs`. */
function callNcp(
  deps: ProcessorDeps,
  request: ExportRequest,
  log: Logger,
  now: () => number,
): Promise<NcpResponse> {
  return callUnderLimit(
    { ...deps, now },
    (onSent) => deps.client.exportBackup(request, { defaultRegion: deps.defaultRegion, onSent }),
    log,
    'ncp export call',
  );
}

/** Ends the job for good: its outcome goes to the ledger (once, whoever finishes it). */
async function finish(deps: ProcessorDeps, log: Logger, call: FinishedCall): Promise<void> {
  const outcome = buildOutcome(call);
  const result = await deps.outcomes.write(outcome);
  log.info(
    {
      status: outcome.status,
      attempts: outcome.attempts,
      errorKind: outcome.error?.kind,
      httpStatus: outcome.httpStatus,
      requestId: outcome.requestId,
    },
    result === 'repeat' ? 'export finished again: the first record is kept' : 'export finished',
  );
}

function settleFromOutcome(
  outcome: Awaited<ReturnType<OutcomeStore['read']>> & object,
): ExportResult {
  if (outcome.status === 'succeeded') {
    return {
      requestId: outcome.requestId ?? '',
      returnCode: outcome.returnCode ?? '0',
      httpStatus: outcome.httpStatus ?? 200,
    };
  }
  throw new UnrecoverableError(outcome.error?.message ?? 'export failed');
}
