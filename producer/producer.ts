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
  RESULTS_QUEUE,
} from '../shared/contract.ts';
import { connectOrExplain, type RedisClient } from '../shared/redis.ts';

/** The backoff type workers resolve to exponential backoff with full jitter. */
export const BACKOFF_TYPE = 'ncp-jitter';

export interface EnqueueOptions {
  /** Adds the export again even if the same one is waiting, running or recently finished. */
  force?: boolean;
}

export interface EnqueueResult {
  jobId: string;
  /** False when the same export was already queued or retained: nothing was added. */
  added: boolean;
  request: ExportRequest;
}

export interface ProducerOptions {
  redis: RedisConfig;
  policy: JobPolicy;
  /** Filled into requests that carry no regionCode (NCP_REGION). */
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

/**
 * KEYS: job hashes. ARGV: a creation time. Returns the 1-based positions of the jobs that do not
 * carry it: those BullMQ found already there. One command instead of an HGET per job: for a
 * `bulk` chunk of 1,000 rows the pipeline of HGETs cost more than the addBulk's own client work
 * (docs/benchmarks.md).
 */
const NOT_CREATED_AT = `
local others = {}
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, 'timestamp')) ~= tonumber(ARGV[1]) then
    others[#others + 1] = i
  end
end
return others
`;

interface ProducerCommands {
  ncpJobsNotCreatedAt(
    numberOfKeys: number,
    ...keysThenTimestamp: (string | number)[]
  ): Promise<number[]>;
}

export class ExportProducer {
  readonly queue: Queue;
  /** The outcome records, for reading; workers write them. */
  readonly resultsQueue: Queue;
  /** The producer's Redis connection (shared by its queues): a single Redis or a Cluster. */
  readonly redis: RedisClient;
  private readonly options: ProducerOptions;
  private lastTimestamp = 0;

  private constructor(connection: RedisClient, options: ProducerOptions) {
    this.redis = connection;
    this.options = options;
    const queueOptions = {
      connection,
      prefix: options.redis.prefix,
      skipMetasUpdate: options.readOnly ?? false,
    };
    this.queue = new Queue(EXPORT_QUEUE, queueOptions);
    this.resultsQueue = new Queue(RESULTS_QUEUE, queueOptions);
    if (!('ncpJobsNotCreatedAt' in connection)) {
      connection.defineCommand('ncpJobsNotCreatedAt', { lua: NOT_CREATED_AT });
    }
    const onError = options.onError ?? (() => {});
    const emitters: NodeJS.EventEmitter[] = [connection, this.queue, this.resultsQueue];
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

  /** Enqueues requests that already passed validation (e.g. streamed in by `bulk`). */
  enqueueValid(
    requests: readonly ExportRequest[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult[]> {
    const forceSuffix = options.force ? `~f${Date.now().toString(36)}` : '';
    return this.add(
      requests.map((input) => {
        const request = this.withDefaults(input);
        return { jobId: exportJobId(request) + forceSuffix, request };
      }),
    );
  }

  /**
   * Adds jobs under the given ids; an id that exists already is reported as not added.
   * `retry` uses this to add a re-run under the id that follows the failed run's.
   */
  async add(
    entries: readonly { jobId: string; request: ExportRequest }[],
  ): Promise<EnqueueResult[]> {
    if (entries.length === 0) return [];
    // Each batch gets its own creation time, so a duplicate of an earlier batch's job (added in
    // the same millisecond) is never mistaken for this batch's.
    const timestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    const seen = new Set<string>();
    const results: EnqueueResult[] = [];
    const jobs: { name: string; data: ExportRequest; opts: JobsOptions }[] = [];
    for (const { jobId, request } of entries) {
      const firstInBatch = !seen.has(jobId);
      seen.add(jobId);
      results.push({ jobId, added: firstInBatch, request });
      if (firstInBatch) {
        jobs.push({
          name: EXPORT_JOB_NAME,
          data: request,
          opts: this.jobOptions(jobId, timestamp),
        });
      }
    }
    await this.queue.addBulk(jobs);

    // BullMQ answers a duplicate id with the existing job, unchanged: a job is ours only if
    // it carries the timestamp we just gave it. One script run answers for the whole batch.
    const keys = jobs.map((job) => this.jobKey(job.opts.jobId!));
    const others = await (this.redis as unknown as ProducerCommands).ncpJobsNotCreatedAt(
      keys.length,
      ...keys,
      timestamp,
    );
    const theirs = new Set(others.map((position) => jobs[position - 1]?.opts.jobId));
    for (const result of results) result.added &&= !theirs.has(result.jobId);
    return results;
  }

  /** Which of `jobIds` exist as jobs in any of `queues`. */
  async existingIds(jobIds: readonly string[], queues: readonly string[]): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) {
      for (const queue of queues) pipeline.exists(`${this.options.redis.prefix}:${queue}:${jobId}`);
    }
    const answers = (await pipeline.exec()) ?? [];
    return new Set(
      jobIds.filter((_, i) => queues.some((_, q) => answers[i * queues.length + q]?.[1] === 1)),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.resultsQueue.close()]);
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

  private jobKey(jobId: string): string {
    return `${this.options.redis.prefix}:${EXPORT_QUEUE}:${jobId}`;
  }
}
