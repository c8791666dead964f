/**
 * The landing check of one export, one look per run: look (batched with the other looks of the
 * beat), then either end the check (record `landed` or `not-landed` through the ledger) or
 * keep what was seen and wait as a delayed job until the next beat.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Landing } from '../../shared/contract.ts';
import { StorageError } from '../../shared/landing/storage-client.ts';
import { judge, type SeenObject } from '../../shared/landing/target.ts';
import type { LandingUpdate } from '../../shared/ledger/index.ts';
import type { Logger } from '../../shared/logger.ts';
import { type SpanHandle, withSpan } from '../../shared/tracing.ts';
import type { BatchLooker } from './batch-looker.ts';
import { type LandingJobData, nextLookAt } from './job.ts';

export interface LandingProcessorDeps {
  looker: Pick<BatchLooker, 'look'>;
  /** Writes the final state into the export's record (the ledger's `updateLanding`). */
  record: (jobId: string, landing: Landing) => Promise<LandingUpdate>;
  logger: Logger;
  pollMs: number;
  now?: () => number;
}

export function createLandingProcessor(deps: LandingProcessorDeps) {
  const now = deps.now ?? Date.now;
  const processLanding = async (
    job: Job<LandingJobData>,
    token: string | undefined,
    span: SpanHandle | undefined,
  ): Promise<Landing['state']> => {
    const data = job.data;
    const log = deps.logger.child({ jobId: data.exportJobId, queue: job.queueName });
    let found: SeenObject[] = [];
    let error: string | undefined;
    try {
      found = await deps.looker.look(data.target);
    } catch (cause) {
      // Any failed look (Object Storage, or Redis under its rate limit) is a look that saw
      // nothing new: the check goes on until its deadline, and says why if it ends there.
      error = cause instanceof Error ? cause.message : String(cause);
      const errorCode = cause instanceof StorageError ? cause.code : undefined;
      log.warn({ errorCode, err: cause }, 'landing check could not list the bucket');
    }
    const checks = data.checks + 1;
    const at = now();
    const decision = judge({
      target: data.target,
      // A failed look saw nothing new: compare the next one with the last that worked.
      found: error ? [] : found,
      previous: data.previous,
      acceptedAtMs: data.acceptedAtMs,
      deadlineMs: data.deadlineMs,
      nowMs: at,
      checks,
      error,
    });
    if (decision.done) {
      const result = await deps.record(data.exportJobId, decision.landing);
      if (result === 'missing') {
        // The export's record is written right after the check is queued: try again shortly.
        throw new Error(`export ${data.exportJobId} has no outcome record yet`);
      }
      const { state, key, size, landedAfterMs } = decision.landing;
      span?.setAttributes({ 'ncp_cache_export.landing.state': state });
      log.info({ state, key, size, landedAfterMs, checks, result }, `export ${state}`);
      return state;
    }
    await job.updateData({
      ...data,
      previous: error ? data.previous : decision.seen,
      checks,
      lastError: error,
    });
    await job.moveToDelayed(nextLookAt(at, deps.pollMs), token);
    throw new DelayedError('waiting for the next look');
  };
  // One span per look, in the export's trace when tracing is on (`shared/tracing.ts`).
  return (job: Job<LandingJobData>, token?: string): Promise<Landing['state']> =>
    withSpan(
      'landing check',
      {
        attributes: {
          'ncp_cache_export.job_id': job.data.exportJobId,
          'ncp_cache_export.landing.look': job.data.checks + 1,
        },
        failsSpan: (error) => !(error instanceof DelayedError),
      },
      (span) => processLanding(job, token, span),
    );
}
