/** Redis dies and comes back mid-run: workers and producer reconnect, nothing accepted is lost. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { type PrivateRedis, privateRedis } from '../helpers/redis-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

const seed = generateSeed({ instances: 40, systemBackups: 2 });
const requests = requestsFromSeed(seed);

describe('Redis restart', () => {
  let redis: PrivateRedis;
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let workers: WorkerProcess[];

  beforeAll(async () => {
    redis = await privateRedis();
    setup = await startEmulatorPipeline(
      'restart',
      { seed, latencyMs: 50 },
      { redisUrl: redis.url },
    );
    ({ emulator, pipeline, workers } = setup);
  });

  afterAll(async () => {
    await setup?.close().catch(() => {});
    await redis?.dispose();
  });

  it('finishes every accepted job with exactly one outcome after Redis is killed and restarted', async () => {
    const enqueued = await pipeline.producer.enqueue(requests);
    expect(enqueued.filter((r) => r.added)).toHaveLength(requests.length);
    const env = pipeline.workerEnv({ NCP_RATE_LIMIT: '20', WORKER_CONCURRENCY: '4' });
    workers.push(await startWorkerProcess(env), await startWorkerProcess(env));

    await waitFor('some outcomes', async () => (await pipeline.outcomeCount()) >= 15, 20_000, 100);
    const logged = workers.map((worker) => worker.logs.length);
    await redis.kill();
    const callsWhileDown = emulator.stats().requests;
    // Until both workers have found Redis gone (each logs a connection error, then retries)...
    await waitFor('both workers to notice', () =>
      workers.every((worker, i) =>
        worker.logs.slice(logged[i]).some((line) => line.msg === 'redis connection error'),
      ),
    );
    // ...and once more each, so each had time to try: no call may be granted while the shared
    // limiter is unreachable, only those already granted (at most one per slot) may go out.
    const noticed = workers.map((worker) => worker.logs.length);
    await waitFor('a retry of each worker', () =>
      workers.every((worker, i) =>
        worker.logs.slice(noticed[i]).some((line) => line.msg === 'redis connection error'),
      ),
    );
    expect(emulator.stats().requests - callsWhileDown).toBeLessThanOrEqual(8);
    await redis.start();

    await waitFor(
      `${requests.length} outcomes`,
      async () => (await pipeline.outcomeCount()) >= requests.length,
      45_000,
      250,
    );
    const outcomes = await pipeline.outcomes();
    expect(outcomes).toHaveLength(requests.length);
    // Counted as each finished: a lost or a second finish of a job would show here.
    expect((await pipeline.producer.ledger.totals()).exports).toBe(requests.length);
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(
      await pipeline.producer.queue.getJobCounts(
        'completed',
        'failed',
        'wait',
        'active',
        'delayed',
      ),
    ).toEqual({
      completed: requests.length,
      failed: 0,
      wait: 0,
      active: 0,
      delayed: 0,
    });
    // Both workers lived through it: no restart was needed.
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    const stats = emulator.stats();
    expect(stats.accepted).toBe(requests.length + stats.duplicates);
  }, 90_000);
});
