/**
 * Scenario 5, soak: 200,000 exports through 2 worker processes (the limiter on, at a limit they
 * cannot reach). Each worker's heap after a full GC and its RSS, sampled at every 10% of the
 * run (goal: no growth from 10% to 100% past noise), and Redis memory per retained outcome.
 */
import { EXPORT_QUEUE, RESULTS_QUEUE } from '../shared/contract.ts';
import { benchRequests, benchSeed, startBenchEmulator } from './bench-emulator.ts';
import { startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import type { ProbeSample } from './probe.ts';
import { cliScript, spawnChild } from './processes.ts';
import { enqueuePaused, resume, waitForFinished, waitForWorkers, workerEnv } from './setup.ts';
import { atMost, format, median, mib } from './stats.ts';

const WORKERS = 2;

export const soakScenario: Scenario = {
  name: 'soak',
  title: 'Soak',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const jobs = ctx.quick ? 20_000 : 200_000;
    const seed = benchSeed(jobs);
    const requests = benchRequests(seed, jobs);
    const redis = await startBenchRedis();
    const emulator = await startBenchEmulator(seed, ctx.dir('soak'));
    const prefix = 'bench-soak';
    const producer = await enqueuePaused(redis.url, prefix, requests);
    const env = workerEnv(redis.url, prefix, emulator.url, { NCP_RATE_LIMIT: '100000' });
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      spawnChild({
        name: `soak-worker-${i}`,
        script: cliScript(ctx.options.cli),
        args: ['worker'],
        env,
        outDir: ctx.dir('soak'),
        profileDir: ctx.profileDir('soak'),
        exposeGc: true,
      }),
    );
    const samples: { share: number; workers: ProbeSample[]; redisBytes: number }[] = [];
    let seconds: number;
    try {
      await waitForWorkers(producer, WORKERS);
      const started = await resume(producer);
      let next = 0.1;
      const done = await waitForFinished(redis.client, prefix, jobs, 3_600_000, async (n) => {
        while (n >= next * jobs - 0.5 && next <= 1.0001) {
          const share = next;
          next += 0.1;
          samples.push({
            share,
            workers: await Promise.all(workers.map((worker) => worker.sample())),
            redisBytes: await redis.usedMemory(),
          });
          ctx.log(`soak ${Math.round(share * 100)}%: heap ${heaps(samples.at(-1)!.workers)}`);
        }
      });
      seconds = (done.lastFinishedAt - started) / 1000;
      if (done.failed > 0) throw new Error(`soak: ${done.failed} exports failed`);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
      await producer.close();
      await emulator.close();
    }
    try {
      const outcomes = await redis.client.llen(`${prefix}:${RESULTS_QUEUE}:wait`);
      const perOutcome = await memoryUsage(redis, prefix, RESULTS_QUEUE);
      const perExportJob = await memoryUsage(redis, prefix, EXPORT_QUEUE);
      const first = samples[0]!;
      const last = samples.at(-1)!;
      const ratio = (pick: (s: ProbeSample) => number) =>
        Math.max(...first.workers.map((w, i) => pick(last.workers[i]!) / pick(w)));
      return {
        rows: [
          {
            scenario: '5 soak',
            figure: `worker heap after GC, 100% / 10% (${format(jobs)} jobs, ${WORKERS} processes)`,
            measured: `${heaps(last.workers)} / ${heaps(first.workers)}`,
            reference: 'worst worker',
            ratio: ratio((s) => s.heapUsedBytes),
            goal: atMost(1.1),
          },
          {
            scenario: '5 soak',
            figure: 'worker RSS, 100% / 10%',
            measured: `${rss(last.workers)} / ${rss(first.workers)}`,
            reference: 'worst worker',
            ratio: ratio((s) => s.rssBytes),
            goal: atMost(1.1),
          },
          {
            scenario: '5 soak',
            figure: 'Redis memory per retained outcome',
            measured: `${format(perOutcome)} bytes`,
            reference: `used_memory ${mib(last.redisBytes)} / ${format(outcomes)} outcomes`,
          },
        ],
        notes: [
          `${format(jobs)} exports in ${format(seconds, 0)} s (${format(jobs / seconds)} jobs/s), ` +
            `NCP_RATE_LIMIT 100000 (not reached), emulator without latency.`,
          `Heap after GC at each 10%: ${samples.map((s) => heaps(s.workers)).join(' → ')}.`,
          `RSS at each 10%: ${samples.map((s) => rss(s.workers)).join(' → ')}.`,
          `Event-loop delay p99 per 10% interval, worst worker: ${samples
            .map((s) => format(Math.max(...s.workers.map((w) => w.loopDelayP99Ms)), 0))
            .join(', ')} ms.`,
          `Redis: MEMORY USAGE median ${format(perOutcome)} bytes per outcome job, ` +
            `${format(perExportJob)} per completed export job (kept EXPORT_KEEP_COMPLETED_HOURS); ` +
            `used_memory ${samples.map((s) => mib(s.redisBytes, 0)).join(' → ')}, ` +
            `${format(last.redisBytes / outcomes)} bytes per finished export in all.`,
        ],
      };
    } finally {
      await redis.dispose();
    }
  },
};

function heaps(samples: readonly ProbeSample[]): string {
  return samples.map((s) => mib(s.heapUsedBytes)).join(' + ');
}

function rss(samples: readonly ProbeSample[]): string {
  return samples.map((s) => mib(s.rssBytes, 0)).join(' + ');
}

/** Median MEMORY USAGE of 200 job hashes of `queue`, sampled from its keys. */
async function memoryUsage(
  redis: Awaited<ReturnType<typeof startBenchRedis>>,
  prefix: string,
  queue: string,
): Promise<number> {
  const ids =
    queue === RESULTS_QUEUE
      ? await redis.client.lrange(`${prefix}:${queue}:wait`, 0, 199)
      : await redis.client.zrange(`${prefix}:${queue}:completed`, 0, 199);
  const sizes = await Promise.all(
    ids.map(async (id) =>
      Number(await redis.client.memory('USAGE', `${prefix}:${queue}:${id}`, 'SAMPLES', 0)),
    ),
  );
  return median(sizes);
}
