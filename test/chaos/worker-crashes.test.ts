/**
 * Worker processes killed with SIGKILL at (seeded) random points of the run and restarted, under load.
 * Every export must end in exactly one record, judged on the product's own record: the ledger's
 * counted finishes, its records, and the export queue's states. Calls NCP saw twice must stay
 * within what at-least-once delivery allows: at most the jobs active at the kills.
 * Replay a run with CHAOS_SEED=<the seed it printed>.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateSeed } from '../emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../helpers/emulator-process.ts';
import {
  chaosSeed,
  expectOneRecordPerJob,
  seededRandom,
  waitForFinishes,
} from '../helpers/ledger-checks.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';
import { report } from './report.ts';

interface Scenario {
  label: string;
  instances: number;
  latencyMs: number;
  kills: number;
  env: Record<string, string>;
}

describe('worker crashes under load', () => {
  let emulator: EmulatorProcess | undefined;
  let pipeline: Pipeline | undefined;
  const workers: WorkerProcess[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => stopWorkerProcess(worker)));
    await pipeline?.cleanup();
    await emulator?.close();
  });

  async function run(scenario: Scenario) {
    const seed = chaosSeed();
    const random = seededRandom(seed);
    process.stdout.write(`[chaos] ${scenario.label}: CHAOS_SEED=${seed}\n`);
    const data = generateSeed({ instances: scenario.instances, systemBackups: 2 });
    const requests = requestsFromSeed(data);
    emulator = await startEmulatorProcess(data, ['--latency', String(scenario.latencyMs)]);
    pipeline = await openPipeline(`chaos-${scenario.label}`, emulator);
    const started = Date.now();
    await pipeline.producer.enqueue(requests);
    const env = pipeline.workerEnv(scenario.env);
    const live: WorkerProcess[] = [];
    for (let i = 0; i < 3; i++) live.push(await startWorkerProcess(env));
    workers.push(...live);

    // Kills are spread over the run by its progress, not by the clock, so a slow machine still
    // kills workers while they hold jobs: kill k waits until about k/(kills+1) of the exports
    // have finished (seeded jitter) and some are running. A run that ends first kills less.
    let activeAtKills = 0;
    let kills = 0;
    const replacements: Promise<void>[] = [];
    const progress = async (target: number) => {
      for (;;) {
        const finished = (await pipeline!.producer.ledger.totals()).exports;
        if (finished >= requests.length) return false;
        const active = await pipeline!.producer.queue.getActiveCount();
        if (finished >= target && active > 0) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    for (let kill = 0; kill < scenario.kills; kill++) {
      const share = (kill + 1 - 0.4 + 0.8 * random()) / (scenario.kills + 1);
      if (!(await progress(Math.floor(requests.length * share)))) break;
      const [victim] = live.splice(Math.floor(random() * live.length), 1);
      activeAtKills += await pipeline.producer.queue.getActiveCount();
      victim!.child.kill('SIGKILL');
      await victim!.exited;
      kills++;
      // The replacement joins when it has started; the next kill need not wait for it, but
      // one worker at least is always left running.
      const replacement = startWorkerProcess(env).then((worker) => {
        workers.push(worker);
        live.push(worker);
      });
      replacements.push(replacement);
      if (live.length === 0) await replacement;
    }
    await Promise.all(replacements);

    await waitForFinishes(pipeline, requests.length, 240_000);
    const outcomes = await expectOneRecordPerJob(pipeline, requests.length);
    const failed = outcomes.filter((o) => o.status === 'failed');
    const stats = await emulator.stats();
    const totals = await pipeline.producer.ledger.totals();
    const figures = {
      seed,
      exports: requests.length,
      kills,
      outcomes: outcomes.length,
      counted: totals.exports,
      repeats: totals.repeats,
      succeeded: outcomes.length - failed.length,
      failedByQueue: failed.filter((o) => o.error?.code === 'STALLED').length,
      callsAccepted: stats.accepted,
      callsTwice: stats.duplicates,
      activeAtKills,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    report(`worker-crashes ${scenario.label}`, figures);
    // A crash can fail a job only through BullMQ's stall limit.
    for (const outcome of failed) {
      expect(outcome.error).toMatchObject({ kind: 'timeout', code: 'STALLED' });
    }
    // At-least-once: each export reached NCP at most once more for each kill that caught it.
    expect(stats.duplicates).toBeLessThanOrEqual(activeAtKills);
    expect(stats.accepted - stats.duplicates).toBeGreaterThanOrEqual(figures.succeeded);
    expect(stats.accepted - stats.duplicates).toBeLessThanOrEqual(requests.length);
    return figures;
  }

  it('ends 2,000 exports in exactly one record each through up to 6 SIGKILLs', async () => {
    // 2,000 at 60/s: 33 s of work at least, six kills spread over it.
    const figures = await run({
      label: 'default-stall-limit',
      instances: 1000,
      latencyMs: 150,
      kills: 6,
      env: { NCP_RATE_LIMIT: '60', WORKER_CONCURRENCY: '32' },
    });
    expect(figures.kills).toBeGreaterThan(0);
  });

  it('records the jobs BullMQ fails itself for stalling (stall limit 0), once each', async () => {
    const figures = await run({
      label: 'stall-limit-0',
      instances: 200,
      latencyMs: 400,
      kills: 6,
      // 400 at 12/s: 33 s of work at least.
      env: { NCP_RATE_LIMIT: '12', WORKER_CONCURRENCY: '16', WORKER_MAX_STALLED_COUNT: '0' },
    });
    // The scenario is only meaningful if the kills caught jobs that BullMQ then failed.
    expect(figures.kills).toBeGreaterThan(0);
    expect(figures.activeAtKills).toBeGreaterThan(0);
    expect(figures.failedByQueue).toBeGreaterThan(0);
  });
});
