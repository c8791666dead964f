/** A worker killed with SIGKILL mid-run loses nothing: its jobs come back and finish. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed, startEmulator } from '../emulator/index.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const seed = generateSeed({ instances: 40, systemBackups: 2 });
const requests = requestsFromSeed(seed);

describe('crash recovery', () => {
  let emulator: Emulator;
  let pipeline: Pipeline;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // Slow answers keep calls in flight when the worker dies.
    emulator = await startEmulator({ seed, latencyMs: 400 });
    pipeline = await openPipeline('crash', emulator);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('finishes every job with exactly one outcome after a SIGKILL', async () => {
    await pipeline.producer.enqueue(requests);
    const env = pipeline.workerEnv({ NCP_RATE_LIMIT: '40', WORKER_CONCURRENCY: '8' });
    workers.push(await startWorkerProcess(env), await startWorkerProcess(env));

    await waitFor(
      'a third of the outcomes',
      async () => (await pipeline.outcomeCount()) >= requests.length / 3,
      20_000,
      100,
    );
    const victim = workers[0]!;
    const inFlight = await pipeline.producer.queue.getActiveCount();
    expect(inFlight).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    workers.push(await startWorkerProcess(env));

    await waitFor(
      `${requests.length} outcomes`,
      async () => (await pipeline.outcomeCount()) >= requests.length,
      40_000,
      250,
    );
    const outcomes = await pipeline.outcomes();
    expect(outcomes).toHaveLength(requests.length);
    expect(new Set(outcomes.map((o) => o.jobId)).size).toBe(requests.length);
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    const counts = await pipeline.producer.queue.getJobCounts(
      'completed',
      'failed',
      'active',
      'wait',
      'delayed',
    );
    expect(counts).toEqual({
      completed: requests.length,
      failed: 0,
      active: 0,
      wait: 0,
      delayed: 0,
    });

    // At-least-once: a call in flight when its worker died may reach NCP twice, never more
    // often than the jobs that were active then.
    const stats = emulator.stats();
    expect(stats.accepted).toBe(requests.length + stats.duplicates);
    expect(stats.duplicates).toBeLessThanOrEqual(inFlight);
  }, 90_000);
});
