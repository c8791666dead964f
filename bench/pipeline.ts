/**
 * Scenario 1, pipeline overhead: jobs per second of one real worker process (sign, call, parse,
 * outcome; NCP_RATE_LIMIT=off) against the reference in `reference-worker.ts` (the same undici
 * call and outcome job from a bare BullMQ worker) and a no-op BullMQ worker (the ceiling).
 * Same Redis, emulator, concurrency and jobs; the three run in turn, rotated each repetition.
 */

import {
  type BenchEmulator,
  benchRequests,
  benchSeed,
  resetEmulator,
  startBenchEmulator,
} from './bench-emulator.ts';
import { type CommandStats, perJob, startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { type BenchChild, benchScript, cliScript, spawnChild } from './processes.ts';
import { enqueuePaused, resume, waitForFinished, waitForWorkers, workerEnv } from './setup.ts';
import { atLeast, describe, format, median, mib } from './stats.ts';

/** A worker process to measure: the project's CLI or a reference, with its environment. */
export interface PipelineSubject {
  name: string;
  script: string;
  args?: string[];
  /** Added to the worker environment of the run. */
  env?: Record<string, string>;
}

export interface RunFigures {
  jobsPerSecond: number;
  /** CPU time per job of the worker process, of redis-server and of the emulator. */
  cpuMsPerJob: number;
  redisCpuMsPerJob: number;
  emulatorCpuMsPerJob: number;
  redisCallsPerJob: number;
  redisUsecPerJob: number;
  redisTop: string;
  peakRssBytes: number;
  loopDelayP99Ms: number;
}

export function pipelineSubjects(ctx: BenchContext): PipelineSubject[] {
  const reference = benchScript('reference-worker.ts');
  return [
    {
      name: 'worker',
      script: cliScript(ctx.options.cli),
      args: ['worker'],
      env: { NCP_RATE_LIMIT: 'off' },
    },
    { name: 'reference', script: reference, env: { REFERENCE_MODE: 'call' } },
    { name: 'noop', script: reference, env: { REFERENCE_MODE: 'noop' } },
    // Diagnostic: the same worker without its two info lines per export.
    {
      name: 'worker-warn',
      script: cliScript(ctx.options.cli),
      args: ['worker'],
      env: { NCP_RATE_LIMIT: 'off', LOG_LEVEL: 'warn' },
    },
  ];
}

export const pipelineScenario: Scenario = {
  name: 'pipeline',
  title: 'Pipeline overhead',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const jobs = ctx.quick ? 3000 : 20_000;
    const figures = await comparePipelines(ctx, pipelineSubjects(ctx), jobs, ctx.reps(3));
    return summarize(figures, jobs);
  },
};

/**
 * Runs each subject on `jobs` queued exports, `reps` times, rotating the order each
 * repetition (A B C, B C A, ...) so drift of the machine falls on all alike.
 */
export async function comparePipelines(
  ctx: BenchContext,
  subjects: readonly PipelineSubject[],
  jobs: number,
  reps: number,
): Promise<Map<string, RunFigures[]>> {
  const seed = benchSeed(jobs);
  const requests = benchRequests(seed, jobs);
  const redis = await startBenchRedis();
  const emulator = await startBenchEmulator(seed, ctx.dir('pipeline'));
  const figures = new Map<string, RunFigures[]>(subjects.map((s) => [s.name, []]));
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < subjects.length; k++) {
        const subject = subjects[(rep + k) % subjects.length]!;
        await redis.flush();
        await resetEmulator(emulator.url);
        const prefix = `bench-pipeline-${subject.name}-${rep}`;
        const producer = await enqueuePaused(redis.url, prefix, requests);
        const child = spawnChild({
          name: `${subject.name}-${rep}`,
          script: subject.script,
          args: subject.args ?? [],
          env: workerEnv(redis.url, prefix, emulator.url, subject.env),
          outDir: ctx.dir('pipeline'),
          profileDir: ctx.profileDir('pipeline'),
        });
        try {
          await waitForWorkers(producer, 1, child);
          const run = await measure(child, redis, emulator, producer, prefix, jobs);
          figures.get(subject.name)!.push(run);
          ctx.log(
            `pipeline ${subject.name} rep ${rep + 1}/${reps}: ${format(run.jobsPerSecond)} jobs/s, ` +
              `${run.cpuMsPerJob.toFixed(3)} CPU ms/job, ${run.redisCallsPerJob.toFixed(1)} Redis calls/job`,
          );
        } finally {
          await child.stop();
          await producer.close();
        }
      }
    }
  } finally {
    await emulator.close();
    await redis.dispose();
  }
  return figures;
}

async function measure(
  child: BenchChild,
  redis: Awaited<ReturnType<typeof startBenchRedis>>,
  emulator: BenchEmulator,
  producer: Awaited<ReturnType<typeof enqueuePaused>>,
  prefix: string,
  jobs: number,
): Promise<RunFigures> {
  const cpuBefore = await child.sample();
  const [redisBefore, emulatorBefore] = [await redis.cpuMs(), await emulator.cpuMs()];
  const commandsBefore: CommandStats = await redis.commandStats();
  const started = await resume(producer);
  const done = await waitForFinished(redis.client, prefix, jobs, 600_000);
  const cpuAfter = await child.sample();
  const [redisAfter, emulatorAfter] = [await redis.cpuMs(), await emulator.cpuMs()];
  const commands = perJob(commandsBefore, await redis.commandStats(), jobs);
  if (done.failed > 0) throw new Error(`${child.name}: ${done.failed} jobs failed`);
  const cpu = (s: typeof cpuAfter) => s.cpuUserMs + s.cpuSystemMs;
  return {
    jobsPerSecond: jobs / ((done.lastFinishedAt - started) / 1000),
    cpuMsPerJob: (cpu(cpuAfter) - cpu(cpuBefore)) / jobs,
    redisCpuMsPerJob: (redisAfter - redisBefore) / jobs,
    emulatorCpuMsPerJob: (emulatorAfter - emulatorBefore) / jobs,
    redisCallsPerJob: commands.calls,
    redisUsecPerJob: commands.usec,
    redisTop: commands.top,
    peakRssBytes: cpuAfter.maxRssBytes,
    loopDelayP99Ms: cpuAfter.loopDelayP99Ms,
  };
}

function summarize(figures: Map<string, RunFigures[]>, jobs: number): ScenarioResult {
  type Subject = string;
  const runs = (subject: Subject) => figures.get(subject)!;
  const pick = (subject: Subject, field: keyof Omit<RunFigures, 'redisTop'>) =>
    runs(subject).map((run) => run[field]);
  // Each repetition's ratio pairs runs made minutes apart at most; the median of those ratios.
  const ratio = (subject: Subject, reference: Subject) =>
    median(runs(subject).map((run, i) => run.jobsPerSecond / runs(reference)[i]!.jobsPerSecond));
  const rate = (subject: Subject) => describe(pick(subject, 'jobsPerSecond'), 0, ' jobs/s');
  const line = (subject: Subject, label: string) =>
    `${label}: CPU ms per job ${format(median(pick(subject, 'cpuMsPerJob')), 3)} in its process, ` +
    `${format(median(pick(subject, 'redisCpuMsPerJob')), 3)} in redis-server, ` +
    `${format(median(pick(subject, 'emulatorCpuMsPerJob')), 3)} in the emulator; ` +
    `${format(median(pick(subject, 'redisCallsPerJob')), 1)} Redis commands and ` +
    `${format(median(pick(subject, 'redisUsecPerJob')), 0)} µs of Redis CPU per job ` +
    `(${runs(subject)[0]?.redisTop}), peak RSS ${mib(median(pick(subject, 'peakRssBytes')))}, ` +
    `event-loop delay p99 ${format(median(pick(subject, 'loopDelayP99Ms')), 1)} ms`;
  return {
    rows: [
      {
        scenario: '1 pipeline',
        figure: `real worker, limit off (${format(jobs)} jobs, 1 process × 16)`,
        measured: rate('worker'),
        reference: `bare BullMQ + same call: ${rate('reference')}`,
        ratio: ratio('worker', 'reference'),
        goal: atLeast(0.9),
      },
      {
        scenario: '1 pipeline',
        figure: 'diagnostic: real worker, LOG_LEVEL=warn',
        measured: rate('worker-warn'),
        reference: 'same reference',
        ratio: ratio('worker-warn', 'reference'),
      },
      {
        scenario: '1 pipeline',
        figure: 'ceiling: bare BullMQ, no-op processor',
        measured: rate('noop'),
        reference: 'real worker / no-op →',
        ratio: ratio('worker', 'noop'),
      },
    ],
    notes: [
      line('worker', 'real worker'),
      line('worker-warn', 'real worker, LOG_LEVEL=warn'),
      line('reference', 'reference'),
      line('noop', 'no-op'),
    ],
  };
}
