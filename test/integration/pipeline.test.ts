import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeSchema } from '../../shared/contract.ts';
import { generateSeed } from '../emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../helpers/emulator-process.ts';
import { mostWithin, watchLimiterRecord } from '../helpers/limiter-record.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const RATE = 25;
const seed = generateSeed({ instances: 80, systemBackups: 2 });

describe('three worker processes, one global rate limit', () => {
  // NCP is another machine: the emulator runs in its own process, so its count of calls per
  // second does not share an event loop with this test.
  let emulator: EmulatorProcess;
  let pipeline: Pipeline;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    emulator = await startEmulatorProcess(seed, ['--latency', '5']);
    pipeline = await openPipeline('pipeline', emulator);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('ends every request in exactly one outcome, never above the limit in any second', async () => {
    const requests = requestsFromSeed(seed);
    expect(requests).toHaveLength(160);
    const enqueued = await pipeline.producer.enqueue(requests);
    expect(enqueued.every((result) => result.added)).toBe(true);

    // The promise is judged on the limiter's own record (when it booked each call as sent, on
    // Redis' clock), not on when the emulator's event loop, lagging on a busy machine, counted it.
    const record = await watchLimiterRecord(pipeline.redisUrl, pipeline.prefix);
    const env = pipeline.workerEnv({
      NCP_RATE_LIMIT: String(RATE),
      WORKER_CONCURRENCY: '8',
    });
    workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(env)));

    await waitFor('160 outcomes', async () => (await pipeline.outcomeCount()) >= 160, 40_000, 500);
    const outcomes = await pipeline.outcomes();
    expect(outcomes).toHaveLength(160);
    // Counted as each finished: a lost or a second finish of a job would show here.
    expect((await pipeline.producer.ledger.totals()).exports).toBe(160);
    expect(outcomes.filter((outcome) => outcome.status === 'succeeded')).toHaveLength(160);
    for (const outcome of outcomes) expect(outcomeSchema.safeParse(outcome).success).toBe(true);

    const stats = await emulator.stats();
    expect(stats.accepted).toBe(160);
    expect(stats.duplicates).toBe(0);
    expect(stats.badSignatures).toBe(0);
    const booked = await record.stop();
    expect(booked).toHaveLength(stats.requests);
    expect(mostWithin(booked, 1000)).toBeLessThanOrEqual(RATE);
    // Each of the three processes took part.
    for (const worker of workers) {
      expect(worker.logs.some((line) => line.msg === 'export finished')).toBe(true);
    }

    // Enqueueing the same exports again adds nothing while they are retained.
    const again = await pipeline.producer.enqueue(requests);
    expect(again.filter((result) => result.added)).toHaveLength(0);

    const exits = await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
  }, 60_000);
});
