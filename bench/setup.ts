/**
 * What every scenario does with queues: enqueue into a paused queue, wait for worker processes,
 * resume, wait for the jobs to finish; and the environment of a worker process.
 */
import type { Redis } from 'ioredis';
import { ExportProducer } from '../producer/producer.ts';
import { EXPORT_QUEUE, type ExportRequestInput } from '../shared/contract.ts';
import { DEFAULT_CREDENTIALS } from '../test/emulator/index.ts';
import { pause } from './processes.ts';

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
