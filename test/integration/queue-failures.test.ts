/**
 * Jobs BullMQ fails itself, without the processor finishing them, still get exactly one
 * record: through the worker's `failed` event (a stall past the limit, with BullMQ's real
 * deferred failure), and through the sweep of the failed set when that event was missed.
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { Finisher } from '../../worker/finish.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, requestsFromSeed, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 2, systemBackups: 1, apis: ['vredis'] });
const [first, second] = requestsFromSeed(seed);

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('jobs the queue fails itself', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('queue-failures', { seed });
    ({ emulator, pipeline } = setup);
  });

  afterAll(async () => {
    await worker?.close();
    await setup?.close();
  });

  it('records a job failed for stalling past the limit, once, without calling NCP', async () => {
    const jobId = (await pipeline.producer.enqueue([first!]))[0]!.jobId;
    // A worker takes the job and dies: it never renews the lock nor finishes the job.
    const taken = signal();
    const dying = new Worker(
      EXPORT_QUEUE,
      () => {
        taken.resolve();
        return new Promise(() => {});
      },
      {
        connection: { url: pipeline.redisUrl },
        prefix: pipeline.prefix,
        // As configured on every worker (its stalled check blocks the others' for this long).
        lockDuration: 1000,
        stalledInterval: 500,
      },
    );
    await taken.promise;
    await dying.close(true);

    // A live worker with a stall limit of 0: BullMQ marks the job to fail, then fails it when
    // it is next fetched, without running the processor.
    worker = startInProcessWorker(pipeline, {
      WORKER_MAX_STALLED_COUNT: '0',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '500',
    });
    await waitFor(
      'the record',
      async () => (await pipeline.producer.ledger.exportOutcome(jobId)) !== undefined,
      20_000,
    );
    expect(await pipeline.producer.ledger.exportOutcome(jobId)).toMatchObject({
      status: 'failed',
      error: { kind: 'timeout', code: 'STALLED', retryable: true },
    });
    expect((await pipeline.producer.queue.getJob(jobId))?.failedReason).toMatch(/stalled/);
    expect(await pipeline.producer.ledger.totals()).toEqual({
      exports: 1,
      discoveries: 0,
      repeats: 0,
    });
    expect(emulator.stats().accepted).toBe(0);
  });

  it('records, by the sweep, a failed job whose record was never written', async () => {
    await worker?.close();
    worker = undefined;
    const before = await pipeline.producer.ledger.totals();
    const jobId = (await pipeline.producer.enqueue([second!]))[0]!.jobId;
    // A BullMQ worker that is not ours fails the job and writes no record.
    const failed = signal();
    const foreign = new Worker(
      EXPORT_QUEUE,
      async () => {
        throw new UnrecoverableError('a processor of another system gave up');
      },
      { connection: { url: pipeline.redisUrl }, prefix: pipeline.prefix },
    );
    foreign.on('failed', () => failed.resolve());
    await failed.promise;
    await foreign.close();
    expect(await pipeline.producer.ledger.exportOutcome(jobId)).toBeUndefined();

    const connection = new Redis(pipeline.redisUrl);
    const queue = new Queue(EXPORT_QUEUE, { connection, prefix: pipeline.prefix });
    const finisher = new Finisher({
      ledger: pipeline.producer.ledger,
      redis: connection,
      prefix: pipeline.prefix,
      logger: pino({ level: 'silent' }),
      sweepGraceMs: 0,
    });
    try {
      expect(await finisher.sweep('export', queue)).toBe(1);
      expect(await finisher.sweep('export', queue)).toBe(0);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    expect(await pipeline.producer.ledger.exportOutcome(jobId)).toMatchObject({
      status: 'failed',
      error: {
        code: 'QUEUE_FAILED',
        message: expect.stringContaining('a processor of another system gave up'),
      },
    });
    expect(await pipeline.producer.ledger.totals()).toEqual({
      ...before,
      exports: before.exports + 1,
    });
  });
});
