/**
 * Webhook notifications (NOTIFY_WEBHOOK_URL): failed exports in batches, each discovery or
 * schedule run's summary, and instances that went stale. Every worker runs one; they
 * coordinate through Redis, so the fleet sends what one process would:
 *
 * - a failed export's first record adds it to a pending batch in Redis (one script run, a few
 *   microseconds, not awaited by the finish); every worker looks at the batch each second, and
 *   the one whose script run takes it also takes a lock for NOTIFY_BATCH_SECONDS, so a storm of
 *   failures is one message per period whatever the number of workers;
 * - a discovery's first record is one message;
 * - every NOTIFY_STALE_CHECK_SECONDS, the worker that takes the check's lock compares the stale
 *   instances (the ledger's summary index) with those already notified.
 *
 * Messages are jobs on their own BullMQ queue, `cache-export-notify`, delivered by a worker of
 * concurrency 1 with retries and exponential backoff, apart from the export queue: a slow or
 * failing webhook never holds an export up.
 */
import { Queue, Worker } from 'bullmq';
import type { NotifyConfig, RedisConfig } from '../../shared/config.ts';
import type { Outcome } from '../../shared/contract.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { isRecord } from '../../shared/json.ts';
import { instanceKey, type Ledger, type RecordKind } from '../../shared/ledger/index.ts';
import type { Logger } from '../../shared/logger.ts';
import { createRedis, type RedisClient } from '../../shared/redis.ts';
import { deliver } from './delivery.ts';
import {
  type FailureSample,
  MESSAGE_MAX,
  type Notification,
  SAMPLE_MAX,
  type StaleSample,
} from './messages.ts';

export const NOTIFY_QUEUE = 'cache-export-notify';

/** KEYS: the batch's list, its counts. ARGV: a failure (JSON), its kind, samples kept. */
const ADD_FAILURE = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('HINCRBY', KEYS[2], 'count', 1)
redis.call('HINCRBY', KEYS[2], 'k:' .. ARGV[2], 1)
return 1
`;

/**
 * Takes the pending batch if there is one and no message went out in the last period.
 * KEYS: the list, the counts, the lock. ARGV: the period (ms). Returns nil, or {counts, list}.
 */
const TAKE_BATCH = `
if redis.call('HEXISTS', KEYS[2], 'count') == 0 then return nil end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[1]) then return nil end
local counts = redis.call('HGETALL', KEYS[2])
local list = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return { counts, list }
`;

interface NotifyCommands {
  ncpNotifyAddFailure(list: string, counts: string, ...args: (string | number)[]): Promise<number>;
  ncpNotifyTakeBatch(
    list: string,
    counts: string,
    lock: string,
    periodMs: number,
  ): Promise<[string[], string[]] | null>;
}

export interface NotifierOptions {
  config: NotifyConfig;
  redis: RedisConfig;
  /** A connection for the notifier's own reads and writes. */
  connection: RedisClient;
  ledger: Pick<Ledger, 'instanceSummaries'>;
  /** REPORT_STALE_AFTER. */
  staleAfterMs: number;
  logger: Logger;
  /** How often each worker looks at the pending batch. @defaultValue 1000 ms */
  pollMs?: number;
  /** First retry delay of a delivery, doubled each time. @defaultValue 1000 ms */
  backoffMs?: number;
}

export class Notifier {
  readonly queue: Queue<Notification>;
  private readonly options: NotifierOptions;
  private readonly commands: NotifyCommands;
  private readonly keys: {
    list: string;
    counts: string;
    lock: string;
    staleLock: string;
    known: string;
  };
  private worker: Worker<Notification> | undefined;
  private workerConnection: RedisClient | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly writing = new Set<Promise<unknown>>();

  constructor(options: NotifierOptions) {
    this.options = options;
    const { connection, redis } = options;
    const base = `${redis.prefix}:${NOTIFY_QUEUE}`;
    this.keys = {
      list: `${base}-failures`,
      counts: `${base}-failure-counts`,
      lock: `${base}-batch-lock`,
      staleLock: `${base}-stale-lock`,
      known: `${base}-stale-known`,
    };
    if (!('ncpNotifyAddFailure' in connection)) {
      connection.defineCommand('ncpNotifyAddFailure', { numberOfKeys: 2, lua: ADD_FAILURE });
      connection.defineCommand('ncpNotifyTakeBatch', { numberOfKeys: 3, lua: TAKE_BATCH });
    }
    this.commands = connection as unknown as NotifyCommands;
    this.queue = new Queue<Notification>(NOTIFY_QUEUE, {
      connection,
      prefix: redis.prefix,
      defaultJobOptions: {
        attempts: options.config.maxAttempts,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
        removeOnComplete: { age: 86_400, count: 1000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    });
    this.queue.on('error', (error) =>
      options.logger.warn({ err: error, queue: NOTIFY_QUEUE }, 'notify queue error'),
    );
  }

  /** Starts delivering, batching and checking for stale instances. */
  start(): this {
    const { config, redis, logger } = this.options;
    this.workerConnection = createRedis(redis, 'worker');
    this.workerConnection.on('error', (error) =>
      logger.warn({ err: error }, 'redis connection error'),
    );
    this.worker = new Worker<Notification>(NOTIFY_QUEUE, async (job) => deliver(config, job.data), {
      connection: this.workerConnection,
      prefix: redis.prefix,
      concurrency: 1,
    });
    this.worker.on('error', (error) => logger.warn({ err: error }, 'notify worker error'));
    this.worker.on('failed', (job, error) =>
      logger.warn(
        {
          err: error,
          queue: NOTIFY_QUEUE,
          jobId: job?.id,
          attempt: job?.attemptsMade,
          of: config.maxAttempts,
        },
        'notification not delivered',
      ),
    );
    const every = (ms: number, work: () => Promise<unknown>, what: string) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        this.track(
          work()
            .catch((error: unknown) => logger.warn({ err: error }, `could not ${what}`))
            .finally(() => {
              running = false;
            }),
        );
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.pollMs ?? 1000, () => this.flushFailures(), 'send failed exports');
    every(config.staleCheckSeconds * 1000, () => this.checkStale(), 'check for stale instances');
    return this;
  }

  /** The ledger's `onRecord`: what a first record adds to the notifications. Never throws. */
  recorded = (kind: RecordKind, record: Outcome | DiscoveryOutcome): void => {
    const work =
      kind === 'discovery'
        ? this.queue.add('discovery', discoveryNotification(record as DiscoveryOutcome))
        : (record as Outcome).status === 'failed'
          ? this.addFailure(record as Outcome)
          : undefined;
    if (!work) return;
    this.track(
      work.catch((error: unknown) =>
        this.options.logger.warn(
          { err: error, jobId: record.jobId },
          'could not queue a notification',
        ),
      ),
    );
  };

  /**
   * Sends the pending failures as one message, unless another went out less than
   * NOTIFY_BATCH_SECONDS ago (from any worker). Returns the failures it took.
   */
  async flushFailures(): Promise<number> {
    const { list, counts, lock } = this.keys;
    const batch = await this.commands.ncpNotifyTakeBatch(
      list,
      counts,
      lock,
      this.options.config.batchSeconds * 1000,
    );
    if (!batch) return 0;
    const [fields, samples] = batch;
    let count = 0;
    const byKind: Record<string, number> = {};
    for (let i = 0; i < fields.length; i += 2) {
      const field = fields[i]!;
      const value = Number(fields[i + 1]);
      if (field === 'count') count = value;
      else if (field.startsWith('k:')) byKind[field.slice(2)] = value;
    }
    const sample = samples.map((text) => JSON.parse(text) as FailureSample).reverse();
    await this.queue.add('export-failures', { type: 'export-failures', count, byKind, sample });
    return count;
  }

  /**
   * Looks for instances that went stale since the last check, if no worker checked in the last
   * NOTIFY_STALE_CHECK_SECONDS; sends one message naming them. Returns how many went stale.
   */
  async checkStale(): Promise<number> {
    const { connection, config, staleAfterMs, ledger } = this.options;
    const periodMs = config.staleCheckSeconds * 1000;
    const locked = await connection.set(this.keys.staleLock, '1', 'PX', periodMs - 100, 'NX');
    if (locked !== 'OK') return 0;
    const [seconds] = await connection.time();
    const now = Number(seconds) * 1000;
    const known = await connection.hgetall(this.keys.known);
    const stale = new Map<string, string>();
    const fresh: StaleSample[] = [];
    for await (const summary of ledger.instanceSummaries({ staleBeforeMs: now - staleAfterMs })) {
      const key = instanceKey(summary.api, summary.regionCode, summary.instanceNo);
      const since = summary.lastSuccess?.at ?? 'never';
      stale.set(key, since);
      if (known[key] === since) continue;
      fresh.push({
        api: summary.api,
        regionCode: summary.regionCode,
        instanceNo: summary.instanceNo,
        lastSuccessAt: summary.lastSuccess?.at ?? null,
      });
    }
    const write = connection.multi().del(this.keys.known);
    if (stale.size > 0) write.hset(this.keys.known, Object.fromEntries(stale));
    await write.exec();
    if (fresh.length === 0) return 0;
    await this.queue.add('stale-instances', {
      type: 'stale-instances',
      count: fresh.length,
      totalStale: stale.size,
      staleAfterSeconds: staleAfterMs / 1000,
      instances: fresh.slice(0, SAMPLE_MAX),
    });
    return fresh.length;
  }

  /** Stops the timers, waits for writes under way, and closes the queue and its worker. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.writing);
    await this.worker?.close();
    await this.queue.close();
    await this.workerConnection?.quit().catch(() => this.workerConnection?.disconnect());
  }

  private addFailure(outcome: Outcome): Promise<number> {
    const request = isRecord(outcome.request) ? outcome.request : {};
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const kind = outcome.error?.kind ?? 'unknown';
    const sample: FailureSample = {
      jobId: outcome.jobId,
      api: text(request.api),
      regionCode: text(request.regionCode) || 'default',
      instanceNo: text(request.instanceNo),
      fileName: text(request.fileName),
      kind,
      code: outcome.error?.code ?? '',
      message: (outcome.error?.message ?? '').slice(0, MESSAGE_MAX),
      finishedAt: outcome.finishedAt,
    };
    return this.commands.ncpNotifyAddFailure(
      this.keys.list,
      this.keys.counts,
      JSON.stringify(sample),
      kind,
      SAMPLE_MAX,
    );
  }

  private track(work: Promise<unknown>): void {
    this.writing.add(work);
    void work.finally(() => this.writing.delete(work));
  }
}

function discoveryNotification(outcome: DiscoveryOutcome): Notification {
  const request = isRecord(outcome.request) ? outcome.request : {};
  return {
    type: 'discovery',
    jobId: outcome.jobId,
    schedule: typeof request.schedule === 'string' ? request.schedule : null,
    status: outcome.status,
    dryRun: outcome.dryRun,
    instancesSeen: outcome.instancesSeen,
    instancesMatched: outcome.instancesMatched,
    filesChosen: outcome.filesChosen,
    exportsEnqueued: outcome.exportsEnqueued,
    exportsDuplicate: outcome.exportsDuplicate,
    problems: outcome.errors.length,
    finishedAt: outcome.finishedAt,
  };
}
