/**
 * Adding export jobs to the `cache-export` queue: the one way an export is enqueued, by the
 * producer library (CLI, HTTP intake) and by a worker's discovery alike. Requests come in
 * validated; each gets the job id derived from it, so the same export is added once while it is
 * waiting, running or kept, and an export whose last run failed gets its next run (`runs.ts`).
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { JobPolicy } from '../config.ts';
import type { ExportRequest } from '../contract.ts';
import { BACKOFF_TYPE, EXPORT_JOB_NAME, EXPORT_QUEUE, exportJobId } from '../contract-core.ts';
import { DEFAULTS } from '../defaults.ts';
import type { RedisClient } from '../redis.ts';
import { traceEnqueue } from './enqueue-spans.ts';
import { ExportRuns } from './runs.ts';

export interface EnqueueOptions {
  /** Adds the export again even if the same one is waiting, running or recently finished. */
  force?: boolean;
  /**
   * Exports added to Redis per batch (one addBulk and one duplicate check each).
   * @defaultValue 1000
   */
  batch?: number;
}

export interface EnqueueResult {
  /** The job now standing for the export: the one added, or the existing duplicate. */
  jobId: string;
  /** False when the same export was already queued, running or kept: nothing was added. */
  added: boolean;
  /** Set when the export's last run had failed and this is a new run of it: that run's id. */
  rerunOf?: string;
  request: ExportRequest;
}

export interface ExportEnqueuerOptions {
  /** A connection to the queues' Redis; left open on close, its owner closes it. */
  connection: RedisClient;
  prefix: string;
  policy: JobPolicy;
  /**
   * The region NCP uses for requests that name none (`loadExportRegion`: NCP_REGION, else the
   * site's default region). Written into every job, so its id and its call agree whoever
   * enqueues it. @defaultValue leave such requests without a region (they run as `default`)
   */
  defaultRegion?: string | undefined;
  /**
   * Do not write the queue's meta hash (BullMQ's version stamp): for processes that only read.
   * @defaultValue false
   */
  readOnly?: boolean;
}

export class ExportEnqueuer {
  /** The export queue; BullMQ's `error` events of it go to whoever listens here. */
  readonly queue: Queue;
  private readonly options: ExportEnqueuerOptions;
  private readonly runs: ExportRuns;
  private lastTimestamp = 0;

  constructor(options: ExportEnqueuerOptions) {
    this.options = options;
    this.queue = new Queue(EXPORT_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      skipMetasUpdate: options.readOnly ?? false,
    });
    this.runs = new ExportRuns(options.connection, options.prefix);
  }

  /**
   * Enqueues requests that passed validation. An export whose last run failed gets a new run
   * (see `runs.ts`); one queued, running or kept after succeeding is a duplicate.
   */
  async enqueue(
    requests: readonly ExportRequest[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult[]> {
    const batch = options.batch ?? DEFAULTS.enqueueBatch;
    if (requests.length <= batch) return this.enqueueBatch(requests, options);
    const results: EnqueueResult[] = [];
    for (let start = 0; start < requests.length; start += batch) {
      results.push(...(await this.enqueueBatch(requests.slice(start, start + batch), options)));
    }
    return results;
  }

  private async enqueueBatch(
    requests: readonly ExportRequest[],
    options: EnqueueOptions,
  ): Promise<EnqueueResult[]> {
    const withRegion = requests.map((request) => this.withDefaults(request));
    if (options.force) {
      const suffix = `~f${Date.now().toString(36)}`;
      return this.add(
        withRegion.map((request) => ({ jobId: exportJobId(request) + suffix, request })),
      );
    }
    const plans = await this.runs.plan(withRegion.map((request) => exportJobId(request)));
    const toAdd: { jobId: string; request: ExportRequest; rerunOf?: string }[] = [];
    const results: (EnqueueResult | undefined)[] = plans.map((plan, i) => {
      const request = withRegion[i]!;
      if (plan.kind === 'duplicate') return { jobId: plan.jobId, added: false, request };
      toAdd.push({
        jobId: plan.jobId,
        request,
        ...(plan.kind === 'rerun' ? { rerunOf: plan.failedJobId } : {}),
      });
      return undefined;
    });
    const added = await this.add(toAdd);
    let next = 0;
    return results.map((result) => result ?? added[next++]!);
  }

  /**
   * Adds jobs under the given ids; an id that exists already is reported as not added.
   * `retry` uses this to add a re-run under the id that follows the failed run's.
   */
  async add(
    entries: readonly { jobId: string; request: ExportRequest; rerunOf?: string }[],
  ): Promise<EnqueueResult[]> {
    if (entries.length === 0) return [];
    // Each batch gets its own creation time, so a duplicate of an earlier batch's job (added in
    // the same millisecond) is never mistaken for this batch's.
    const timestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    const seen = new Set<string>();
    const results: EnqueueResult[] = [];
    const jobs: { name: string; data: ExportRequest; opts: JobsOptions }[] = [];
    for (const { jobId, request, rerunOf } of entries) {
      const firstInBatch = !seen.has(jobId);
      seen.add(jobId);
      results.push({ jobId, added: firstInBatch, request, ...(rerunOf ? { rerunOf } : {}) });
      if (firstInBatch) {
        jobs.push({
          name: EXPORT_JOB_NAME,
          data: request,
          opts: this.jobOptions(jobId, timestamp),
        });
      }
    }
    // With traces on, each job starts its export's trace (its context goes into the job).
    const spans = traceEnqueue(jobs);
    let theirs: Set<string>;
    try {
      await this.queue.addBulk(jobs);
      // BullMQ answers a duplicate id with the existing job, unchanged: a job is ours only if
      // it carries the timestamp we just gave it. One script run answers for the whole batch.
      theirs = await this.runs.addedByOthers(
        jobs.map((job) => job.opts.jobId!),
        timestamp,
      );
    } catch (error) {
      spans?.end(() => false, error);
      throw error;
    }
    for (const result of results) {
      if (result.added && theirs.has(result.jobId)) {
        result.added = false;
        delete result.rerunOf;
      }
    }
    spans?.end((jobId) => !theirs.has(jobId));
    return results;
  }

  /** Of exports (by their first run's id), those an enqueue now would add nothing for. */
  async duplicates(firstRunIds: readonly string[]): Promise<Set<string>> {
    const plans = await this.runs.plan(firstRunIds);
    return new Set(firstRunIds.filter((_, i) => plans[i]?.kind === 'duplicate'));
  }

  /** Which of `jobIds` exist as export jobs, or as records too with `records`. */
  existingIds(
    jobIds: readonly string[],
    options: { records?: boolean } = {},
  ): Promise<Set<string>> {
    return options.records ? this.runs.existing(jobIds) : this.runs.queued(jobIds);
  }

  /** Closes the queue; the connection stays open for its owner. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private withDefaults(request: ExportRequest): ExportRequest {
    const region = this.options.defaultRegion;
    return request.regionCode || !region ? request : { ...request, regionCode: region };
  }

  private jobOptions(jobId: string, timestamp: number): JobsOptions {
    const { policy } = this.options;
    return {
      jobId,
      timestamp,
      attempts: policy.maxAttempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: policy.keepCompletedSeconds },
      removeOnFail: { age: policy.keepFailedSeconds },
    };
  }
}
