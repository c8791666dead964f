/**
 * The discovery processor: a plain function of a BullMQ job, collaborators handed in.
 *
 * Every NCP list call goes through the same global rate limit and throttle handling as the
 * exports (`callUnderLimit`), and a transient failure of one call is retried with the same
 * policy as an export attempt (EXPORT_MAX_ATTEMPTS tries, `ncp-jitter` backoff, Retry-After as a
 * floor). Exports are enqueued only once the whole plan is known, through the de-duplicating
 * producer, so a discovery handed back at shutdown or run again enqueues nothing twice.
 *
 * A fresh discovery (`fresh.ts`) runs as steps: each run of the job takes its instances one
 * step further and, while any waits for its new manual backup, re-schedules the job
 * DISCOVERY_FRESH_POLL_MS later instead of waiting in a worker slot.
 */

import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { ApiFamily, ExportRequest } from '../../shared/contract.ts';
import { formatFieldIssue } from '../../shared/contract.ts';
import { DEFAULTS } from '../../shared/defaults.ts';
import {
  type DiscoveredInstance,
  type DiscoveryError,
  type DiscoveryOutcome,
  parseDiscoveryRequest,
  resolveSince,
} from '../../shared/discovery-contract.ts';
import { isRecord } from '../../shared/json.ts';
import type { Logger } from '../../shared/logger.ts';
import { type CallOptions, NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import { jobAttempt } from '../job-attempt.ts';
import { asNcpError, type CallLimiter } from '../ncp-call.ts';
import { type RetryPolicy, wasInterrupted } from '../retry-policy.ts';
import { createCall, listCalls } from './calls.ts';
import { type FreshSettings, stepFresh } from './fresh.ts';
import { buildDiscoveryOutcome, type DiscoveryOutcomeStore } from './outcome.ts';
import { type DiscoveryPlan, planDiscovery } from './plan.ts';

export interface ListClient {
  call(
    api: ApiFamily,
    action: string,
    params: Readonly<Record<string, string | undefined>>,
    options?: CallOptions,
  ): Promise<NcpResponse>;
}

/** Where discovered exports go: the same de-duplicating path as `enqueue`. */
export interface DiscoveryExporter {
  /** The job id `enqueue` would give the request. */
  jobId(request: ExportRequest): string;
  enqueue(requests: readonly ExportRequest[]): Promise<EnqueuedExport[]>;
  /** Which of the exports (by their first run's id) an enqueue would add nothing for. */
  existing(jobIds: readonly string[]): Promise<Set<string>>;
}

/** What became of one discovered export. */
export interface EnqueuedExport {
  jobId: string;
  added: boolean;
  /** Set when it was added as a new run of a failed export. */
  rerunOf?: string;
}

export interface DiscoveryDeps {
  client: ListClient;
  limiter: CallLimiter;
  exporter: DiscoveryExporter;
  outcomes: DiscoveryOutcomeStore;
  logger: Logger;
  /** Region for requests that carry none (NCP_REGION); undefined lets NCP choose. */
  defaultRegion?: string | undefined;
  throttleMaxWaitMs: number;
  /** Tries per list call and the delay between them: the export attempt policy. */
  retry: RetryPolicy & { maxAttempts: number };
  /** Aborts waits and calls in flight (lists are read-only); the job is handed back. */
  shutdown: AbortSignal;
  /** Instances per page of the instance list. @defaultValue 100 */
  pageSize?: number;
  /** Fresh backups (`discover --fresh`): where progress is kept, how long to wait and how often to look. */
  fresh?: FreshSettings | undefined;
  /** Backup lists fetched at once per discovery. @defaultValue 4 */
  concurrency?: number;
  now?: () => number;
}

export interface DiscoveryResult {
  status: DiscoveryOutcome['status'];
  instancesMatched: number;
  filesChosen: number;
  exportsEnqueued: number;
}

export function createDiscoveryProcessor(deps: DiscoveryDeps) {
  const now = deps.now ?? Date.now;

  return async function processDiscovery(job: Job, token?: string): Promise<DiscoveryResult> {
    const { startedAt, maxAttempts, log } = jobAttempt(job, deps.logger, now);
    const finish = async (
      run: Omit<Parameters<typeof buildDiscoveryOutcome>[0], 'job' | 'startedAt' | 'finishedAt'>,
    ): Promise<DiscoveryResult> => {
      const outcome = buildDiscoveryOutcome({
        ...run,
        job,
        startedAt,
        finishedAt: new Date(now()),
      });
      const recorded = await deps.outcomes.write(outcome);
      const { status, instancesSeen, instancesMatched, filesChosen, exportsEnqueued } = outcome;
      log.info(
        {
          status,
          instancesSeen,
          instancesMatched,
          filesChosen,
          exportsEnqueued,
          exportsDuplicate: outcome.exportsDuplicate,
          errors: outcome.errors.length,
          dryRun: outcome.dryRun,
        },
        recorded === 'repeat'
          ? 'discovery finished again: the first record is kept'
          : 'discovery finished',
      );
      if (status === 'failed') throw new UnrecoverableError(summarise(outcome.errors));
      return { status, instancesMatched, filesChosen, exportsEnqueued };
    };
    const failWith = (error: DiscoveryError, request: Record<string, unknown>) =>
      finish({
        request,
        dryRun: request.dryRun === true,
        instancesSeen: 0,
        instances: [],
        errors: [error],
        fatal: true,
      });

    if (wasInterrupted(job)) {
      const prior = await deps.outcomes.read(String(job.id));
      if (prior) {
        log.info({ status: prior.status }, 'outcome already written before an interruption');
        if (prior.status === 'failed') throw new UnrecoverableError(summarise(prior.errors));
        const { status, instancesMatched, filesChosen, exportsEnqueued } = prior;
        return { status, instancesMatched, filesChosen, exportsEnqueued };
      }
    }

    const parsed = parseDiscoveryRequest(job.data);
    if (!parsed.ok) {
      const message = `job data breaks the discovery contract: ${parsed.issues.map(formatFieldIssue).join('; ')}`;
      const raw = isRecord(job.data) ? job.data : { data: job.data ?? null };
      return failWith(
        { instanceNo: null, kind: 'invalid', code: 'ERR_CONTRACT', message, retryable: false },
        raw,
      );
    }
    const request = parsed.value;
    const runLog = log.child({ api: request.api });

    const calls = listCalls({ ...deps, now }, runLog);
    const fresh = deps.fresh;
    if (request.fresh && !fresh) {
      const message = 'this worker cannot run fresh discoveries (no fresh backup settings)';
      return failWith(
        { instanceNo: null, kind: 'invalid', code: 'FRESH_UNSUPPORTED', message, retryable: false },
        request,
      );
    }

    let plan: DiscoveryPlan;
    let results: EnqueuedExport[] | Set<string>;
    try {
      const options = {
        regionCode: request.regionCode ?? deps.defaultRegion,
        since: resolveSince(request.since, now()),
        pageSize: deps.pageSize ?? DEFAULTS.discoveryPageSize,
        concurrency: deps.concurrency ?? DEFAULTS.discoveryListConcurrency,
        meta: {
          discovery: String(job.id),
          ...(request.schedule ? { schedule: request.schedule } : {}),
        },
      };
      if (request.fresh && fresh) {
        const create = createCall({ ...deps, now }, runLog);
        const stepDeps = { calls, create, settings: fresh, now };
        const step = await stepFresh(stepDeps, String(job.id), request, options);
        if (!step.done) {
          // Wait for the new files without holding a worker slot: run again pollMs later.
          runLog.info({ waiting: step.waiting }, 'waiting for new manual backups');
          await job.moveToDelayed(now() + fresh.pollMs, token);
          throw new DelayedError('waiting for new manual backups');
        }
        plan = step.plan;
      } else {
        plan = await planDiscovery(calls, request, options);
      }
      const requests = plan.instances.flatMap((row) => row.files.map((file) => file.request));
      results = request.dryRun
        ? await deps.exporter.existing(requests.map((r) => deps.exporter.jobId(r)))
        : await deps.exporter.enqueue(requests);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (deps.shutdown.aborted && error === deps.shutdown.reason) {
        // Nothing is enqueued before the plan is whole: hand the job back, using no attempt.
        await job.moveToDelayed(now(), token);
        throw new DelayedError('handed back on shutdown');
      }
      const ncpError = asNcpError(error);
      if (error instanceof NcpError || job.attemptsMade + 1 >= maxAttempts) {
        return failWith({ instanceNo: null, ...ncpError.toOutcomeError() }, request);
      }
      throw error;
    }

    // A fresh discovery's progress goes once its outcome is written (a failed one too: finish
    // throws UnrecoverableError after writing), never before: a rerun must not create again.
    const forgetProgress = async () => {
      if (request.fresh) await fresh?.store.clear(String(job.id));
    };
    try {
      const done = await finish({
        request,
        dryRun: request.dryRun,
        instancesSeen: plan.instancesSeen,
        instances: withResults(plan, results, deps.exporter),
        errors: plan.errors,
        fatal: false,
      });
      await forgetProgress();
      return done;
    } catch (error) {
      if (error instanceof UnrecoverableError) await forgetProgress();
      throw error;
    }
  };
}

/** The plan's rows with each file's job id and what became of it. */
function withResults(
  plan: DiscoveryPlan,
  results: EnqueuedExport[] | Set<string>,
  exporter: DiscoveryExporter,
): DiscoveredInstance[] {
  let index = 0;
  return plan.instances.map((row) => ({
    instanceNo: row.instanceNo,
    api: row.api,
    name: row.name,
    regionCode: row.regionCode,
    backupsListed: row.backupsListed,
    files: row.files.map((file) => {
      const { fileName, backupTime } = file;
      if (results instanceof Set) {
        const jobId = exporter.jobId(file.request);
        const result = results.has(jobId) ? 'duplicate' : 'would-add';
        return { fileName, backupTime, jobId, result };
      }
      const { jobId, added, rerunOf } = results[index++]!;
      const result = rerunOf ? 'rerun' : added ? 'added' : 'duplicate';
      return { fileName, backupTime, jobId, result };
    }),
  }));
}

function summarise(errors: readonly DiscoveryError[]): string {
  const first = errors[0];
  if (!first) return 'discovery failed';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.instanceNo ? `instance ${first.instanceNo}: ` : ''}${first.message}${more}`;
}
