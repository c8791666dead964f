/**
 * The producer library: validates export requests against the contract and enqueues them,
 * de-duplicated by a job id derived from the request.
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { JobPolicy, RedisConfig } from '../shared/config.ts';
import {
  ContractError,
  EXPORT_JOB_NAME,
  EXPORT_QUEUE,
  type ExportRequest,
  exportJobId,
  type FieldIssue,
  parseExportRequest,
} from '../shared/contract.ts';
import { Ledger } from '../shared/ledger/index.ts';
import { connectOrExplain, type RedisClient } from '../shared/redis.ts';
import { traceEnqueue } from './enqueue-spans.ts';
import { ExportRuns } from './runs.ts';

/** The backoff type workers resolve to exponential backoff with full jitter. */
export const BACKOFF_TYPE = 'ncp-jitter';

export interface EnqueueOptions {
  /** Adds the export again even if the same one is waiting, running or recently finished. */
  force?: boolean;
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

export interface ProducerOptions {
  redis: RedisConfig;
  policy: JobPolicy;
  /**
   * The region NCP uses for requests that name none (`loadExportRegion`: NCP_REGION, else the
   * site's default region). Written into every job, so its id and its call agree whoever
   * enqueues it. @defaultValue leave such requests without a region (they run as `default`)
   */
  defaultRegion?: string | undefined;
  /**
   * Hears background connection errors (Redis down, reconnecting). Calls that need Redis
   * reject on their own; these are only for logging. @defaultValue ignore them
   */
  onError?: (error: Error) => void;
  /**
   * For commands that only read (`status`, `results`): the queues do not write their meta hash
   * (BullMQ's version stamp), so reading under a mistyped QUEUE_PREFIX leaves nothing behind.
   * @defaultValue false
   */
  readOnly?: boolean;
}

export class ExportProducer {
  readonly queue: Queue;
  /** The outcome records, for reading; workers write them. */
  readonly ledger: Ledger;
  /** The producer's Redis connection (shared by its queues): a single Redis or a Cluster. */
  readonly redis: RedisClient;
  private readonly options: ProducerOptions;
  private readonly runs: ExportRuns;
  private lastTimestamp = 0;

  private constructor(connection: RedisClient, options: ProducerOptions) {
    this.redis = connection;
    this.options = options;
    const skipMetasUpdate = options.readOnly ?? false;
    this.queue = new Queue(EXPORT_QUEUE, {
      connection,
      prefix: options.redis.prefix,
      skipMetasUpdate,
    });
    this.ledger = new Ledger({
      connection,
      prefix: options.redis.prefix,
      policy: options.policy,
      readOnly: skipMetasUpdate,
    });
    this.runs = new ExportRuns(connection, options.redis.prefix);
    const onError = options.onError ?? (() => {});
    const emitters: NodeJS.EventEmitter[] = [connection, this.queue, this.ledger.queue];
    for (const emitter of emitters) emitter.on('error', onError);
  }

  /** Connects to Redis, failing fast with a message naming REDIS_URL when it is unreachable. */
  static async connect(options: ProducerOptions): Promise<ExportProducer> {
    return new ExportProducer(await connectOrExplain(options.redis), options);
  }

  /**
   * Validates every request, then enqueues them all; if any is invalid, nothing is enqueued
   * and a {@link ContractError} names each bad field as `[index].field`.
   */
  async enqueue(
    requests: readonly unknown[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult[]> {
    const valid: ExportRequest[] = [];
    const issues: FieldIssue[] = [];
    requests.forEach((data, index) => {
      const parsed = parseExportRequest(data);
      if (parsed.ok) valid.push(parsed.value);
      else {
        for (const issue of parsed.issues) {
          issues.push({
            field: `[${index}]${issue.field ? `.${issue.field}` : ''}`,
            message: issue.message,
          });
        }
      }
    });
    if (issues.length > 0) throw new ContractError(issues);
    return this.enqueueValid(valid, options);
  }

  /**
   * Enqueues requests that already passed validation (e.g. streamed in by `bulk`). An export
   * whose last run failed gets a new run (see `runs.ts`); one queued, running or kept after
   * succeeding is a duplicate.
   */
  async enqueueValid(
    requests: readonly ExportRequest[],
    options: EnqueueOptions = {},
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

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.ledger.close()]);
    await this.redis.quit().catch(() => this.redis.disconnect());
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
