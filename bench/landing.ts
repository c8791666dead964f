/**
 * Landing checks at scale: 2,000 exports (500 with --quick) through 2 worker processes under
 * NCP_RATE_LIMIT 50, with landing checks on against the emulator's Object Storage stand-in,
 * each object landing 2 to 10 s after acceptance (growing for 1 s more). Figures: the NCP call
 * rate as a fraction of the limit (goal ≥ 0.97: checks hold no export slot and no NCP budget),
 * Object Storage requests per export counted at the stand-in (goal ≤ 1: looks are batched),
 * and each worker's heap after GC at the end over early in the run (goal: flat).
 */
import { createServer } from 'node:net';
import type { ExportRequestInput } from '../shared/contract.ts';
import { metricsKey } from '../shared/metric-fields.ts';
import { generateSeed } from '../test/emulator/index.ts';
import {
  acceptedTimes,
  type BenchEmulator,
  resetEmulator,
  startBenchEmulator,
} from './bench-emulator.ts';
import { type BenchRedis, startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import type { ProbeSample } from './probe.ts';
import { cliScript, pause, spawnChild } from './processes.ts';
import { enqueuePaused, resume, waitForFinished, waitForWorkers, workerEnv } from './setup.ts';
import { atLeast, atMost, format, mib, slidingMean } from './stats.ts';

const LIMIT = 50;
const WORKERS = 2;
const POLL_MS = 5000;
/** Slots enough that the limit, not the slots, paces the calls on a busy machine. */
const CONCURRENCY = 32;
const BUCKET = 'bench-landing';

export const landingScenario: Scenario = {
  name: 'landing',
  title: 'Landing checks',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const count = ctx.quick ? 500 : 2000;
    const seed = generateSeed({
      instances: Math.ceil(count / 2),
      systemBackups: 2,
      manualBackups: 0,
      apis: ['vredis'],
      buckets: [BUCKET],
    });
    const requests = seed.instances
      .flatMap((instance) =>
        instance.backups.map((backup) => ({
          api: instance.api,
          instanceNo: instance.instanceNo,
          fileName: backup.fileName,
          bucketName: BUCKET,
          regionCode: instance.regionCode,
        })),
      )
      .slice(0, count);
    const storagePort = await freePort();
    const redis = await startBenchRedis();
    const emulator = await startBenchEmulator(seed, ctx.dir('landing'), [
      '--storage-port',
      String(storagePort),
      '--landing-delay',
      '2000',
      '--landing-delay-max',
      '10000',
      '--landing-grow',
      '1000',
    ]);
    try {
      const on = await landingRun(ctx, redis, emulator, requests, storagePort, true);
      const off = await landingRun(ctx, redis, emulator, requests, storagePort, false);
      ctx.log(
        `landing: ${format(on.rate, 2)}/s with checks, ${format(off.rate, 2)}/s without; ` +
          `${on.storage} storage requests for ${count}, ${on.landed} landed`,
      );
      return {
        rows: [
          {
            scenario: 'landing',
            figure: `NCP calls / limit ${LIMIT}/s, landing checks on (${count} exports, ${WORKERS} processes × ${CONCURRENCY})`,
            measured: `${format(on.rate, 2)}/s`,
            reference: `limit ${LIMIT}/s`,
            ratio: on.rate / LIMIT,
            goal: atLeast(0.97),
          },
          {
            scenario: 'landing',
            figure: 'diagnostic: NCP calls / limit, the same run with checks off',
            measured: `${format(off.rate, 2)}/s`,
            reference: `limit ${LIMIT}/s`,
            ratio: off.rate / LIMIT,
          },
          {
            scenario: 'landing',
            figure: 'diagnostic: NCP call rate, checks on / checks off',
            measured: `${format(on.rate, 2)}/s / ${format(off.rate, 2)}/s`,
            reference: 'checks off, same run',
            ratio: on.rate / off.rate,
          },
          {
            scenario: 'landing',
            figure: 'Object Storage requests per export (counted at the stand-in)',
            measured: `${on.storage} for ${count} exports`,
            reference: `${count} exports`,
            ratio: on.storage / count,
            goal: atMost(1),
          },
          {
            scenario: 'landing',
            figure: 'worker heap after GC, all landed / 25% exported',
            measured: `${heaps(on.late)} / ${heaps(on.early)}`,
            reference: 'worst worker',
            ratio: Math.max(...on.late.map((s, i) => s.heapUsedBytes / on.early[i]!.heapUsedBytes)),
            goal: atMost(1.1),
          },
        ],
        notes: [
          `${count} exports into one bucket, accepted in ${format(on.exportSeconds, 1)} s ` +
            `(${format(off.exportSeconds, 1)} s with checks off); every check ended ` +
            `${format(on.landingSeconds, 1)} s after the start (${on.landed} landed, mean ` +
            `${format(on.meanLandingS, 1)} s from acceptance to landed).`,
          `Objects land 2-10 s after acceptance and grow for 1 s; a look every ${POLL_MS} ms on ` +
            `a shared beat, key template {instanceNo}/{fileName}, so a beat's looks in a worker ` +
            'share one List Objects walk from the first pending key to the last.',
        ],
      };
    } finally {
      await emulator.close();
      await redis.dispose();
    }
  },
};

interface LandingRun {
  rate: number;
  storage: number;
  landed: number;
  meanLandingS: number;
  exportSeconds: number;
  landingSeconds: number;
  early: ProbeSample[];
  late: ProbeSample[];
}

async function landingRun(
  ctx: BenchContext,
  redis: BenchRedis,
  emulator: BenchEmulator,
  requests: readonly ExportRequestInput[],
  storagePort: number,
  checks: boolean,
): Promise<LandingRun> {
  await redis.flush();
  await resetEmulator(emulator.url);
  const count = requests.length;
  const prefix = `bench-landing-${checks ? 'on' : 'off'}`;
  const producer = await enqueuePaused(redis.url, prefix, requests);
  const env = workerEnv(redis.url, prefix, emulator.url, {
    NCP_RATE_LIMIT: String(LIMIT),
    NCP_RATE_GUARD_MS: '20',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    EXPORT_LANDING_CHECK: checks ? 'on' : 'off',
    OBJECT_STORAGE_URL: `http://127.0.0.1:${storagePort}`,
    EXPORT_LANDING_KEY: '{instanceNo}/{fileName}',
    EXPORT_LANDING_POLL_MS: String(POLL_MS),
    EXPORT_LANDING_TIMEOUT: '5m',
  });
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    spawnChild({
      name: `landing-${checks ? 'on' : 'off'}-worker-${i}`,
      script: cliScript(ctx.options.cli),
      args: ['worker'],
      env,
      outDir: ctx.dir('landing'),
      profileDir: ctx.profileDir('landing'),
      exposeGc: true,
    }),
  );
  let early: ProbeSample[] | undefined;
  const storageBefore = await storageRequests(emulator.url);
  try {
    await waitForWorkers(producer, WORKERS);
    const started = await resume(producer);
    const done = await waitForFinished(redis.client, prefix, count, 600_000, async (n) => {
      if (!early && n >= count / 4) early = await Promise.all(workers.map((w) => w.sample()));
    });
    if (done.failed > 0) throw new Error(`landing: ${done.failed} exports failed`);
    const deadline = Date.now() + 600_000;
    let counters: Record<string, string> = {};
    for (;;) {
      counters = await redis.client.hgetall(metricsKey(prefix));
      const ended = Number(counters['l|landed'] ?? 0) + Number(counters['l|not-landed'] ?? 0);
      if (!checks || ended >= count) break;
      if (Date.now() > deadline) throw new Error(`landing: only ${ended} checks ended`);
      await pause(200);
    }
    const landingSeconds = (Date.now() - started) / 1000;
    const late = await Promise.all(workers.map((w) => w.sample()));
    const landed = Number(counters['l|landed'] ?? 0);
    return {
      rate: slidingMean(await acceptedTimes(emulator.url), 1000),
      storage: (await storageRequests(emulator.url)) - storageBefore,
      landed,
      meanLandingS: Number(counters.ls ?? 0) / 1000 / Math.max(1, landed),
      exportSeconds: (done.lastFinishedAt - started) / 1000,
      landingSeconds,
      early: early ?? late,
      late,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await producer.close();
  }
}

async function storageRequests(emulatorUrl: string): Promise<number> {
  const response = await fetch(`${emulatorUrl}/__admin/storage-stats`);
  const stats = (await response.json()) as Record<string, number> | null;
  if (!stats) throw new Error('the emulator runs no Object Storage stand-in');
  return (stats.list ?? 0) + (stats.head ?? 0) + (stats.get ?? 0) + (stats.denied ?? 0);
}

function heaps(samples: readonly ProbeSample[]): string {
  return samples.map((s) => mib(s.heapUsedBytes)).join(' + ');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
