/**
 * One run of several worker processes under the global rate limit against the emulator in its
 * own process: what scenarios 2 (rate-limit fidelity) and 3 (throttle recovery) measure.
 * The emulator times every call; the rate comes from its record of accepted exports.
 */
import { readFileSync } from 'node:fs';
import { watchLimiterRecord } from '../test/helpers/limiter-record.ts';
import { acceptedTimes, type BenchEmulator, resetEmulator } from './bench-emulator.ts';
import { type BenchRedis, perJob } from './bench-redis.ts';
import { registerPid, unregisterPid } from './cleanup.ts';
import type { BenchContext } from './context.ts';
import { cliScript, spawnChild } from './processes.ts';
import { enqueuePaused, resume, waitForFinished, waitForWorkers, workerEnv } from './setup.ts';
import { slidingMax, slidingMean } from './stats.ts';

export interface LimitedRunOptions {
  label: string;
  /** NCP_RATE_LIMIT of the workers. */
  limit: number;
  requests: readonly import('../shared/contract.ts').ExportRequestInput[];
  workers: number;
  env?: Record<string, string>;
}

export interface LimitedRun {
  /** Mean accepted calls per sliding second, over every window inside the run. */
  acceptedPerSecond: number;
  /** Most calls that reached the emulator within any 1-second window (all answers). */
  maxPerSecond: number;
  /** Most calls the limiter booked as sent (Redis clock) within any 1-second window. */
  maxBookedPerSecond: number;
  /** Calls the limiter booked as sent (MONITOR saw their SENT script). */
  bookedCalls: number;
  /** Most accepted calls within any 1-second window. */
  maxAcceptedPerSecond: number;
  /** 429s the emulator answered. */
  throttled: number;
  /** Groups of 429s (seen by the workers) more than 1 s apart. */
  throttleEpisodes: number;
  requests: number;
  seconds: number;
  /** The emulator's event-loop delay during the run: max and worst p99 of 250 ms ticks, ms. */
  emulatorLagMaxMs: number;
  emulatorLagP99Ms: number;
  /** Limiter script runs (EVALSHA of the workers' acquire/sent scripts and more) per job. */
  evalshaPerJob: number;
  /** The workers' log files. */
  logPaths: string[];
}

export async function limitedRun(
  ctx: BenchContext,
  redis: BenchRedis,
  emulator: BenchEmulator,
  options: LimitedRunOptions,
): Promise<LimitedRun> {
  await redis.flush();
  await resetEmulator(emulator.url);
  const prefix = `bench-${options.label}`;
  const producer = await enqueuePaused(redis.url, prefix, options.requests);
  const env = workerEnv(redis.url, prefix, emulator.url, {
    NCP_RATE_LIMIT: String(options.limit),
    ...options.env,
  });
  const children = Array.from({ length: options.workers }, (_, i) =>
    spawnChild({
      name: `${options.label}-worker-${i}`,
      script: cliScript(ctx.options.cli),
      args: ['worker'],
      env,
      outDir: ctx.dir(options.label.split('-')[0]!),
      profileDir: ctx.profileDir(options.label.split('-')[0]!),
    }),
  );
  try {
    await waitForWorkers(producer, options.workers);
    const before = await redis.commandStats();
    const bookings = await watchLimiterRecord(redis.url, prefix);
    registerPid(bookings.pid);
    const started = await resume(producer);
    const count = options.requests.length;
    const expectedMs = (1000 * count) / Math.min(options.limit, 1000);
    const done = await waitForFinished(redis.client, prefix, count, 3 * expectedMs + 60_000);
    if (done.failed > 0) throw new Error(`${options.label}: ${done.failed} exports failed`);
    const booked = await bookings.stop();
    unregisterPid(bookings.pid);
    const commands = perJob(before, await redis.commandStats(), count);
    const stats = await emulator.stats();
    const times = await acceptedTimes(emulator.url);
    const lag = emulator.loopDelay(started, done.lastFinishedAt);
    await Promise.all(children.map((child) => child.stop()));
    return {
      acceptedPerSecond: slidingMean(times, 1000),
      maxPerSecond: stats.maxPerSecond,
      maxBookedPerSecond: slidingMax(booked, 1000),
      bookedCalls: booked.length,
      maxAcceptedPerSecond: Math.max(stats.maxAcceptedPerSecond, slidingMax(times, 1000)),
      throttled: stats.throttled,
      throttleEpisodes: episodes(children.map((child) => child.logPath)),
      requests: stats.requests,
      seconds: (done.lastFinishedAt - started) / 1000,
      emulatorLagMaxMs: lag.maxMs,
      emulatorLagP99Ms: lag.p99Ms,
      evalshaPerJob: commands.perCommand.get('evalsha') ?? 0,
      logPaths: children.map((child) => child.logPath),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await producer.close();
  }
}

/** 429s in the workers' logs, grouped: a group ends after 1 s without one. */
function episodes(logPaths: readonly string[]): number {
  const times: number[] = [];
  for (const path of logPaths) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.includes('"httpStatus":429')) continue;
      const time = /"time":"([^"]+)"/.exec(line)?.[1];
      if (time) times.push(Date.parse(time));
    }
  }
  times.sort((a, b) => a - b);
  return times.filter((time, i) => i === 0 || time - times[i - 1]! > 1000).length;
}
