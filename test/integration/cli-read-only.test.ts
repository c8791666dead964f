/** `status` and `results` only read: under a fresh (say, mistyped) QUEUE_PREFIX they leave no key. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

describe('read-only commands', () => {
  const prefix = uniquePrefix('readonly');
  const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix };
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });

  afterAll(async () => {
    await deletePrefix(testRedisUrl(), prefix);
    redis.disconnect();
  });

  it.each([[['status']], [['status', '--json']], [['results', '--format', 'jsonl']]])(
    '%j writes nothing to Redis',
    async (argv) => {
      const run = await runCli(argv, env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    },
  );
});
