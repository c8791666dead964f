/**
 * Finds the Redis that integration tests use, in this order:
 * 1. `REDIS_URL`, when set;
 * 2. a Redis answering on 127.0.0.1:6379;
 * 3. a Redis container started with testcontainers (machines with a Docker engine).
 * The URL reaches the tests through `inject('redisUrl')`.
 */
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
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

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const explicit = process.env.REDIS_URL;
  if (explicit) {
    if (!(await answers(explicit))) throw new Error(`REDIS_URL ${explicit} does not answer PING`);
    project.provide('redisUrl', explicit);
    return;
  }
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) {
    project.provide('redisUrl', local);
    return;
  }
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  project.provide('redisUrl', container.getConnectionUrl());
  return async () => {
    await container.stop();
  };
}
