/**
 * What every scenario sets up: a private redis-server (the test helper's, with its AOF turned
 * off: fsync on every write would measure the disk), the emulator in its own process, a seed
 * and requests of any size, the producer, and the environment of a worker process.
 */
import { Redis } from 'ioredis';
import { ExportProducer } from '../producer/producer.ts';
import { EXPORT_QUEUE, type ExportRequestInput } from '../shared/contract.ts';
import { DEFAULT_CREDENTIALS, generateSeed, type Seed } from '../test/emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../test/helpers/emulator-process.ts';
import { privateRedis } from '../test/helpers/redis-server.ts';
import { pause } from './processes.ts';

export interface BenchRedis {
  url: string;
  client: Redis;
  /** Removes every key (between repetitions). */
  flush(): Promise<void>;
  /** `INFO commandstats`: calls and microseconds per command since start. */
  commandStats(): Promise<CommandStats>;
  /** `INFO memory` used_memory, bytes. */
  usedMemory(): Promise<number>;
  dispose(): Promise<void>;
}

export interface CommandStats {
  calls: number;
  usec: number;
  byCommand: Map<string, number>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const server = await privateRedis();
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  await client.config('SET', 'appendonly', 'no');
  return {
    url: server.url,
    client,
    flush: async () => {
      await client.flushall();
    },
    commandStats: async () => parseCommandStats(String(await client.info('commandstats'))),
    usedMemory: async () =>
      Number(/used_memory:(\d+)/.exec(String(await client.info('memory')))?.[1] ?? Number.NaN),
    dispose: async () => {
      client.disconnect();
      await server.dispose();
    },
  };
}

function parseCommandStats(info: string): CommandStats {
  const byCommand = new Map<string, number>();
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    if (match[1] === 'info') continue;
    byCommand.set(match[1]!, Number(match[2]));
    calls += Number(match[2]);
    usec += Number(match[3]);
  }
  return { calls, usec, byCommand };
}

/** Commands (and Redis CPU µs) per job between two `commandStats()` readings. */
export function perJob(before: CommandStats, after: CommandStats, jobs: number) {
  const top = [...after.byCommand]
    .map(([name, calls]) => [name, (calls - (before.byCommand.get(name) ?? 0)) / jobs] as const)
    .filter(([, calls]) => calls >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return {
    calls: (after.calls - before.calls) / jobs,
    usec: (after.usec - before.usec) / jobs,
    top: top.map(([name, calls]) => `${name} ${calls.toFixed(2)}`).join(', '),
  };
}

const BUCKETS = Array.from({ length: 20 }, (_, i) => `bench-bucket-${String(i).padStart(2, '0')}`);

/** A seed holding at least `requests` distinct exports: 2 SYSTEM backups x 20 buckets each. */
export function benchSeed(requests: number): Seed {
  const perInstance = 2 * BUCKETS.length;
  return generateSeed({
    instances: Math.max(1, Math.ceil(requests / perInstance)),
    systemBackups: 2,
    manualBackups: 0,
    buckets: BUCKETS,
  });
}

/** `count` distinct export requests the seed accepts. */
export function benchRequests(seed: Seed, count: number): ExportRequestInput[] {
  const requests: ExportRequestInput[] = [];
  for (const instance of seed.instances) {
    for (const backup of instance.backups) {
      for (const bucketName of seed.buckets) {
        if (requests.length >= count) return requests;
        requests.push({
          api: instance.api,
          instanceNo: instance.instanceNo,
          fileName: backup.fileName,
          bucketName,
          regionCode: instance.regionCode,
        });
      }
    }
  }
  if (requests.length < count) throw new Error(`the seed holds fewer than ${count} exports`);
  return requests;
}

export function startBenchEmulator(seed: Seed, args: string[] = []): Promise<EmulatorProcess> {
  return startEmulatorProcess(seed, args);
}

/**
 * Enqueues `requests` under `prefix` through the producer (validated, de-duplicated), into a
 * paused queue: workers start on it, and {@link resume} lets them all go at once.
 */
export async function enqueuePaused(
  redisUrl: string,
  prefix: string,
  requests: readonly ExportRequestInput[],
): Promise<ExportProducer> {
  const producer = await ExportProducer.connect({
    redis: { url: redisUrl, prefix },
    policy: {
      maxAttempts: 8,
      keepCompletedSeconds: 86_400,
      keepFailedSeconds: 86_400,
      keepOutcomesSeconds: undefined,
    },
    defaultRegion: 'KR',
  });
  await producer.queue.pause();
  for (let i = 0; i < requests.length; i += 5000) {
    await producer.enqueue(requests.slice(i, i + 5000));
  }
  return producer;
}

/** Waits until `count` worker processes listen on the export queue (BullMQ's client names). */
export async function waitForWorkers(
  producer: ExportProducer,
  count: number,
  child?: { name: string; child: { exitCode: number | null } },
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await producer.queue.getWorkersCount()) < count) {
    if (child && child.child.exitCode !== null) throw new Error(`${child.name} exited`);
    if (Date.now() > deadline) throw new Error(`fewer than ${count} workers after ${timeoutMs} ms`);
    await pause(25);
  }
}

/** Resumes the paused queue; returns the time it did (ms since the epoch). */
export async function resume(producer: ExportProducer): Promise<number> {
  const started = Date.now();
  await producer.queue.resume();
  return started;
}

export interface Completion {
  /** Jobs finished (completed or failed). */
  finished: number;
  failed: number;
  /** When the last job finished, from BullMQ's finishedOn (the sorted sets' scores). */
  lastFinishedAt: number;
}

/**
 * Waits until `count` export jobs have finished, polling two ZCARDs; the finish time comes from
 * the sorted sets' scores, not from the poll. `onProgress` hears each poll.
 */
export async function waitForFinished(
  redis: Redis,
  prefix: string,
  count: number,
  timeoutMs: number,
  onProgress?: (finished: number) => Promise<void> | void,
  pollMs = 100,
): Promise<Completion> {
  const key = (set: string) => `${prefix}:${EXPORT_QUEUE}:${set}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [completed, failed] = await Promise.all([
      redis.zcard(key('completed')),
      redis.zcard(key('failed')),
    ]);
    await onProgress?.(completed + failed);
    if (completed + failed >= count) {
      const last = async (set: string) =>
        Number((await redis.zrange(key(set), -1, -1, 'WITHSCORES'))[1] ?? 0);
      const lastFinishedAt = Math.max(await last('completed'), await last('failed'));
      return { finished: completed + failed, failed, lastFinishedAt };
    }
    if (Date.now() > deadline) {
      throw new Error(`only ${completed + failed} of ${count} jobs finished in ${timeoutMs} ms`);
    }
    await pause(pollMs);
  }
}

/** Environment of a worker process (the project's or a reference) for one run. */
export function workerEnv(
  redisUrl: string,
  prefix: string,
  emulatorUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NCP_ACCESS_KEY: DEFAULT_CREDENTIALS.accessKey,
    NCP_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey,
    NCP_API_URL: emulatorUrl,
    NCP_REGION: 'KR',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: '16',
    ...extra,
  };
}

/** Forgets the emulator's counters and recorded exports (its admin route). */
export async function resetEmulator(emulatorUrl: string): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__admin/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`emulator reset: HTTP ${response.status}`);
}

/** Accepted-export times (ms since the epoch), sorted, from the emulator's admin route. */
export async function acceptedTimes(emulatorUrl: string): Promise<number[]> {
  const response = await fetch(`${emulatorUrl}/__admin/exports`);
  const exports = (await response.json()) as { at: number }[];
  return exports.map((entry) => entry.at).sort((a, b) => a - b);
}
