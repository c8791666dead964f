/**
 * The producer library: validates export requests against the contract and enqueues them,
 * de-duplicated by a job id derived from the request.
 */
import type { Job, Queue } from 'bullmq';
import type { JobPolicy, RedisConfig } from '../shared/config.ts';
import type { ExportRequest } from '../shared/contract.ts';
import { ContractError, type FieldIssue } from '../shared/contract-core.ts';
import {
  type EnqueueOptions,
  type EnqueueResult,
  ExportEnqueuer,
} from '../shared/enqueue/index.ts';
import { JOB_STATES, type JobState } from '../shared/job-states.ts';
import { Ledger } from '../shared/ledger/index.ts';
import {
  clearAuthPause,
  limiterKeys,
  readThrottleState,
  type ThrottleState,
} from '../shared/limiter-keys.ts';
import { connectOrExplain, type RedisClient } from '../shared/redis.ts';

export type { EnqueueOptions, EnqueueResult } from '../shared/enqueue/index.ts';

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
  private readonly enqueuer: ExportEnqueuer;
  private readonly prefix: string;

  private constructor(connection: RedisClient, options: ProducerOptions) {
    this.redis = connection;
    this.prefix = options.redis.prefix;
    const readOnly = options.readOnly ?? false;
    const { prefix } = options.redis;
    this.enqueuer = new ExportEnqueuer({
      connection,
      prefix,
      policy: options.policy,
      defaultRegion: options.defaultRegion,
      readOnly,
    });
    this.queue = this.enqueuer.queue;
    this.ledger = new Ledger({ connection, prefix, policy: options.policy, readOnly });
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
    // The schemas (zod) load on the first validation: commands that only read never pay for them.
    const { parseExportRequest } = await import('../shared/contract.ts');
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
    return this.enqueuer.enqueue(valid, options);
  }

  /**
   * Enqueues requests that already passed validation (e.g. streamed in by `bulk`). An export
   * whose last run failed gets a new run; one queued, running or kept after succeeding is a
   * duplicate.
   */
  enqueueValid(
    requests: readonly ExportRequest[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult[]> {
    return this.enqueuer.enqueue(requests, options);
  }

  /**
   * Adds jobs under the given ids; an id that exists already is reported as not added.
   * `retry` uses this to add a re-run under the id that follows the failed run's.
   */
  add(
    entries: readonly { jobId: string; request: ExportRequest; rerunOf?: string }[],
  ): Promise<EnqueueResult[]> {
    return this.enqueuer.add(entries);
  }

  /** Of exports (by their first run's id), those an enqueue now would add nothing for. */
  duplicates(firstRunIds: readonly string[]): Promise<Set<string>> {
    return this.enqueuer.duplicates(firstRunIds);
  }

  /** Which of `jobIds` exist as export jobs, or as records too with `records`. */
  existingIds(
    jobIds: readonly string[],
    options: { records?: boolean } = {},
  ): Promise<Set<string>> {
    return this.enqueuer.existingIds(jobIds, options);
  }

  /** How many export jobs are in each state. */
  jobCounts(): Promise<Record<JobState, number>> {
    return this.queue.getJobCounts(...JOB_STATES) as Promise<Record<JobState, number>>;
  }

  /** Worker connections taking export jobs now (every worker process holds one or more). */
  workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** An export job by id: its data, state, attempts and errors, while BullMQ keeps it. */
  async exportJob(jobId: string): Promise<Job<ExportRequest> | undefined> {
    return (await this.queue.getJob(jobId)) ?? undefined;
  }

  /** The shared throttle as the workers left it: pause, limit in force, auth pause. */
  throttleState(): Promise<ThrottleState> {
    return readThrottleState(this.redis, limiterKeys(this.prefix));
  }

  /**
   * Lifts the pause repeated auth errors put on every worker; answers the pause that was in
   * force, or undefined when there was none.
   */
  async resumeAuth(): Promise<ThrottleState['authPause']> {
    const keys = limiterKeys(this.prefix);
    const { authPause } = await readThrottleState(this.redis, keys);
    return (await clearAuthPause(this.redis, keys)) ? authPause : undefined;
  }

  /** Now on Redis' clock, the one every worker and record shares (ms since the epoch). */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** False while the connection to Redis is down (connecting, reconnecting, closed). */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    await Promise.all([this.enqueuer.close(), this.ledger.close()]);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
