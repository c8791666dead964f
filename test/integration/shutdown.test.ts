/** SIGTERM under load: calls in flight finish, waiting jobs go back unharmed, exit code 0. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

const seed = generateSeed({ instances: 20, systemBackups: 2 });
const requests = requestsFromSeed(seed);

describe('graceful shutdown', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let workers: WorkerProcess[];

  beforeAll(async () => {
    setup = await startEmulatorPipeline('shutdown', { seed, latencyMs: 400 });
    ({ emulator, pipeline, workers } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  it('finishes calls in flight, hands waiting jobs back, loses and repeats nothing', async () => {
    await pipeline.producer.enqueue(requests);
    // 16 jobs active at once, 8 calls a second: most active jobs wait for the limiter.
    const env = pipeline.workerEnv({ NCP_RATE_LIMIT: '8', WORKER_CONCURRENCY: '16' });
    const first = await startWorkerProcess(env);
    workers.push(first);
    await waitFor('a few outcomes', async () => (await pipeline.outcomeCount()) >= 4, 20_000, 50);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    // It stopped by itself: waiting jobs were handed back, not abandoned at the timeout.
    expect(first.logs.some((line) => String(line.msg).includes('timed out'))).toBe(false);

    const afterStop = await pipeline.outcomeCount();
    const stats = emulator.stats();
    // Every call that reached NCP has its outcome: nothing was cut off mid-call.
    expect(stats.accepted).toBe(afterStop);
    const counts = await pipeline.producer.queue.getJobCounts('active', 'failed', 'completed');
    expect(counts).toEqual({ active: 0, failed: 0, completed: afterStop });
    // Handed-back jobs kept all their attempts.
    const pending = await pipeline.producer.queue.getJobs(['wait', 'delayed'], 0, -1);
    expect(pending).toHaveLength(requests.length - afterStop);
    expect(pending.every((job) => job.attemptsMade === 0)).toBe(true);
    expect(first.logs.some((line) => line.msg === 'worker stopped')).toBe(true);

    workers.push(await startWorkerProcess(pipeline.workerEnv({ NCP_RATE_LIMIT: '40' })));
    await waitFor(
      'all outcomes',
      async () => (await pipeline.outcomeCount()) >= requests.length,
      30_000,
      200,
    );
    expect(emulator.stats()).toMatchObject({ accepted: requests.length, duplicates: 0 });
  }, 60_000);
});
