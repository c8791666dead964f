/**
 * Finishing a job: the one way a worker writes to the ledger. Three paths lead here, and each
 * ends in the ledger's `record`:
 * - the attempt of a processor that ends its job for good (success, or a failure no retry
 *   will follow), through {@link Finisher.exportStore} and {@link Finisher.discoveryStore};
 * - the worker's `failed` event, for jobs BullMQ failed itself without the processor running
 *   to the end: stalled past WORKER_MAX_STALLED_COUNT, started more often than allowed, or any
 *   other failure that left no record ({@link Finisher.failedByQueue});
 * - a sweep of the failed set, for the rare job whose worker died between BullMQ failing it
 *   and that event's record ({@link Finisher.sweep}).
 * The ledger's claim makes the three safe together: a job is counted and recorded once.
 */
import type { Job, Queue, Worker } from 'bullmq';
import { finishedSetKey } from '../shared/bullmq-layout.ts';
import type { Outcome } from '../shared/contract.ts';
import type { DiscoveryOutcome } from '../shared/discovery-contract.ts';
import { isRecord } from '../shared/json.ts';
import type { Ledger, RecordKind, RecordResult } from '../shared/ledger/index.ts';
import type { Logger } from '../shared/logger.ts';
import type { RedisClient } from '../shared/redis.ts';
import { buildDiscoveryOutcome, type DiscoveryOutcomeStore } from './discovery/outcome.ts';
import { buildOutcome, type OutcomeStore } from './outcome.ts';

/** Why BullMQ failed a job on its own, as the outcome's error code names it. */
const QUEUE_FAILURES: readonly { match: RegExp; code: string; explain: string }[] = [
  {
    match: /stalled more than allowable limit/,
    code: 'STALLED',
    explain:
      'its worker stopped (crashed or lost its lock) more often than WORKER_MAX_STALLED_COUNT allows',
  },
  {
    match: /started more than allowable limit/,
    code: 'TOO_MANY_STARTS',
    explain: 'it was started more often than the worker allows',
  },
];

/** Each sweep looks back this far before where the last one stopped (worker clocks differ). */
const SWEEP_OVERLAP_MS = 60_000;
const SWEEP_BATCH = 500;

export interface FinisherOptions {
  ledger: Ledger;
  /** A connection to the queues' Redis, for the sweep's reads of the failed sets. */
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Failed jobs younger than this are left to the `failed` event. @defaultValue 30,000 ms */
  sweepGraceMs?: number;
}

export class Finisher {
  private readonly options: FinisherOptions;

  constructor(options: FinisherOptions) {
    this.options = options;
  }

  /** What the export processor writes its outcomes through. */
  exportStore(): OutcomeStore {
    const { ledger } = this.options;
    return {
      write: (outcome) => ledger.recordExport(outcome),
      read: (jobId) => ledger.exportOutcome(jobId),
    };
  }

  /** What the discovery processor writes its outcomes through. */
  discoveryStore(): DiscoveryOutcomeStore {
    const { ledger } = this.options;
    return {
      write: (outcome) => ledger.recordDiscovery(outcome),
      read: (jobId) => ledger.discoveryOutcome(jobId),
    };
  }

  /**
   * The worker's `failed` event: a job that failed for good and has no record was failed by
   * BullMQ without its processor finishing it. Records why, once. Failures the processor
   * finished itself already have their record; retried attempts are not finished at all.
   */
  async failedByQueue(kind: RecordKind, job: Job | undefined): Promise<RecordResult | undefined> {
    if (!job?.id || !job.finishedOn) return undefined;
    const { ledger, logger } = this.options;
    if ((await ledger.unrecorded([job.id])).length === 0) return undefined;
    const failure = describeQueueFailure(job);
    const result =
      kind === 'export'
        ? await ledger.recordExport(queueFailedExport(job, failure))
        : await ledger.recordDiscovery(queueFailedDiscovery(job, failure));
    logger.warn(
      { jobId: job.id, queue: job.queueName, errorCode: failure.code, result },
      `${kind} failed by the queue: ${failure.message}`,
    );
    return result;
  }

  /**
   * Records every job of `queue` that failed between the last sweep and 30 s ago without a
   * record; returns how many it recorded. Several workers may sweep at once: the claim keeps
   * each record single.
   */
  async sweep(kind: RecordKind, queue: Queue): Promise<number> {
    const { redis, prefix, ledger } = this.options;
    const failedSet = finishedSetKey(prefix, queue.name, 'failed');
    const mark = `${prefix}:${queue.name}-ledger-swept`;
    const [seconds, micros] = await redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const until = now - (this.options.sweepGraceMs ?? 30_000);
    let from = Math.max(0, Number((await redis.get(mark)) ?? 0) - SWEEP_OVERLAP_MS);
    let recorded = 0;
    for (;;) {
      const page = await redis.zrangebyscore(
        failedSet,
        from,
        until,
        'WITHSCORES',
        'LIMIT',
        0,
        SWEEP_BATCH,
      );
      const ids = page.filter((_, i) => i % 2 === 0);
      for (const jobId of await ledger.unrecorded(ids)) {
        const job = await queue.getJob(jobId);
        if ((await this.failedByQueue(kind, job)) === 'recorded') recorded++;
      }
      if (ids.length < SWEEP_BATCH) break;
      const last = Number(page[page.length - 1]);
      // A page of one score cannot move the window on: the next page starts past it.
      from = last > from ? last : last + 1;
    }
    await redis.set(mark, String(until));
    return recorded;
  }
}

interface QueueFailure {
  code: string;
  message: string;
}

function describeQueueFailure(job: Job): QueueFailure {
  const reason = job.failedReason || 'no reason given';
  const known = QUEUE_FAILURES.find((failure) => failure.match.test(reason));
  return known
    ? { code: known.code, message: `${known.explain} (BullMQ: ${reason})` }
    : { code: 'QUEUE_FAILED', message: `BullMQ failed the job without a record: ${reason}` };
}

function queueFailedExport(job: Job, failure: QueueFailure): Outcome {
  const finishedAt = new Date(job.finishedOn ?? Date.now());
  return buildOutcome({
    job: { id: job.id, timestamp: job.timestamp, attemptsMade: attemptsBefore(job) },
    request: isRecord(job.data) ? job.data : { data: job.data ?? null },
    startedAt: new Date(job.processedOn ?? finishedAt.getTime()),
    finishedAt,
    // The last run may or may not have reached NCP: another run is worth trying.
    error: { kind: 'timeout', code: failure.code, message: failure.message, retryable: true },
  });
}

function queueFailedDiscovery(job: Job, failure: QueueFailure): DiscoveryOutcome {
  const request: Record<string, unknown> = isRecord(job.data)
    ? job.data
    : { data: job.data ?? null };
  const finishedAt = new Date(job.finishedOn ?? Date.now());
  return buildDiscoveryOutcome({
    job: { id: job.id, timestamp: job.timestamp, attemptsMade: attemptsBefore(job) },
    request,
    dryRun: request.dryRun === true,
    instancesSeen: 0,
    instances: [],
    errors: [
      {
        instanceNo: null,
        kind: 'timeout',
        code: failure.code,
        message: failure.message,
        retryable: true,
      },
    ],
    fatal: true,
    startedAt: new Date(job.processedOn ?? finishedAt.getTime()),
    finishedAt,
  });
}

/** Attempts before the last, so the record's `attempts` (this + 1) counts the runs started. */
function attemptsBefore(job: Job): number {
  return Math.max(0, Math.max(job.attemptsStarted ?? 0, job.attemptsMade) - 1);
}

export interface FailureSource {
  kind: RecordKind;
  worker: Worker;
  /** The same queue as `worker`'s, to read failed jobs by id. */
  queue: Queue;
}

/**
 * Records jobs BullMQ fails on its own: at once from each worker's `failed` event, and every
 * `sweepMs` from a sweep of the failed sets. Returns a stop function that waits for records
 * being written.
 */
export function finishFailedJobs(
  finisher: Finisher,
  logger: Logger,
  sweepMs: number,
  sources: readonly FailureSource[],
): () => Promise<void> {
  const writing = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    writing.add(work);
    void work.finally(() => writing.delete(work));
  };
  for (const { kind, worker } of sources) {
    worker.on('failed', (job) =>
      track(
        finisher
          .failedByQueue(kind, job)
          .catch((error: unknown) =>
            logger.error(
              { err: error, jobId: job?.id, queue: job?.queueName },
              'could not record a job the queue failed; the next sweep will',
            ),
          ),
      ),
    );
  }
  const sweep = async () => {
    for (const { kind, queue } of sources) {
      const recorded = await finisher.sweep(kind, queue).catch((error: unknown) => {
        logger.warn({ err: error, queue: queue.name }, 'could not sweep failed jobs');
        return 0;
      });
      if (recorded > 0) {
        logger.warn({ queue: queue.name, recorded }, 'recorded failed jobs that had no record');
      }
    }
  };
  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      sweeping = sweeping.then(sweep);
    },
    Math.max(sweepMs, 1000),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await sweeping;
    await Promise.all(writing);
  };
}
