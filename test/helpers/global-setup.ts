/**
 * At the end of the run, fails it when a test left keys under this run's test prefixes (see
 * `uniquePrefix`) or child processes (workers, emulators, redis-servers) behind, naming them; the
 * processes are killed and the keys removed, so one bad test does not pollute the next run.
 *
 * Finds the Redis that integration tests use, in this order:
 * 1. `REDIS_URL`, when set;
 * 2. a Redis answering on 127.0.0.1:6379;
 * 3. a Redis container started with testcontainers (machines with a Docker engine).
 * The URL reaches the tests through `inject('redisUrl')`.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { leftovers, RUN_MARK } from './leftovers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Part of every test prefix of this run (see `uniquePrefix`). */
    testRunTag: string;
  }
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tag = randomBytes(3).toString('hex');
  project.provide('testRunTag', tag);
  // Inherited by the test workers and every process they start: see leftovers.ts.
  process.env[RUN_MARK] = tag;
  const { url, stop } = await findRedis();
  project.provide('redisUrl', url);
  return async () => {
    try {
      await leftovers(url, tag);
    } finally {
      await stop();
    }
  };
}

async function findRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const none = async () => {};
  const explicit = process.env.REDIS_URL;
  if (explicit) {
    if (!(await answers(explicit))) throw new Error(`REDIS_URL ${explicit} does not answer PING`);
    return { url: explicit, stop: none };
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, stop: none };
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  return {
    url: container.getConnectionUrl(),
    stop: async () => {
      await container.stop();
    },
  };
}
