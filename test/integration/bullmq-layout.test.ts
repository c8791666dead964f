/**
 * BullMQ's private layout, as `shared/bullmq-layout.ts` reads it: these fail when BullMQ
 * changes where it keeps a job, its creation time, or its failed set.
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CREATED_AT_FIELD, finishedSetKey, jobKey } from '../../shared/bullmq-layout.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

describe("BullMQ's layout", () => {
  const redis = testRedisConfig('layout');
  let connection: Redis;
  let queue: Queue;

  beforeEach(() => {
    connection = new Redis(redis.url);
    queue = new Queue('layout-q', { connection, prefix: redis.prefix });
  });

  afterEach(async () => {
    await queue.close();
    connection.disconnect();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('keeps a job in a hash under its id, with the creation time given to add', async () => {
    await queue.add('x', { n: 1 }, { jobId: 'j1', timestamp: 1_234_567 });
    const key = jobKey(redis.prefix, 'layout-q', 'j1');
    expect(await connection.hget(key, CREATED_AT_FIELD)).toBe('1234567');
    expect(JSON.parse((await connection.hget(key, 'data'))!)).toEqual({ n: 1 });
  });

  it('keeps failed jobs in a sorted set scored by when they finished', async () => {
    await queue.add('x', {}, { jobId: 'j2' });
    const worker = new Worker(
      'layout-q',
      async () => {
        throw new UnrecoverableError('no');
      },
      { connection: { url: redis.url }, prefix: redis.prefix },
    );
    await new Promise<void>((resolve) => worker.on('failed', () => resolve()));
    await worker.close();
    const job = await queue.getJob('j2');
    const score = await connection.zscore(finishedSetKey(redis.prefix, 'layout-q', 'failed'), 'j2');
    expect(Number(score)).toBe(job!.finishedOn);
  });
});
