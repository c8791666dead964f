/** A worker killed with SIGKILL mid-run loses nothing: its jobs come back and finish. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { expectOneRecordPerJob, waitForFinishes } from '../helpers/ledger-checks.ts';
import { type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';

const seed = generateSeed({ instances: 40, systemBackups: 2 });
const requests = requestsFromSeed(seed);

describe('crash recovery', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let workers: WorkerProcess[];

  beforeAll(async () => {
    // Slow answers keep calls in flight when the worker dies.
    setup = await startEmulatorPipeline('crash', { seed, latencyMs: 400 });
    ({ emulator, pipeline, workers } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  it('finishes every job with exactly one outcome after a SIGKILL', async () => {
    const env = pipeline.workerEnv({ NCP_RATE_LIMIT: '20', WORKER_CONCURRENCY: '8' });
    workers.push(await startWorkerProcess(env), await startWorkerProcess(env));
    // Enqueued once both run, so the first cannot finish everything while the second starts.
    await pipeline.producer.enqueue(requests);

    // Kill a worker while it runs jobs: once a few have finished and some are active.
    let inFlight = 0;
    await waitFor(
      'jobs running after the first outcomes',
      async () => {
        inFlight = await pipeline.producer.queue.getActiveCount();
        return inFlight > 0 && (await pipeline.producer.ledger.totals()).exports >= 5;
      },
      30_000,
      20,
    );
    const victim = workers[0]!;
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    workers.push(await startWorkerProcess(env));

    await waitForFinishes(pipeline, requests.length, 60_000);
    const outcomes = await expectOneRecordPerJob(pipeline, requests.length);
    // One kill is within the stall limit (3): every export succeeds.
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);

    // At-least-once: a call in flight when its worker died may reach NCP twice, never more
    // often than the jobs that were active then.
    const stats = emulator.stats();
    expect(stats.accepted).toBe(requests.length + stats.duplicates);
    expect(stats.duplicates).toBeLessThanOrEqual(inFlight);
  }, 120_000);
});
