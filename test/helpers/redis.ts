/**
 * Each test file gets a private BullMQ prefix on the shared test Redis and removes its keys
 * afterwards, so files run in parallel without seeing each other's jobs.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import type { RedisConfig } from '../../shared/config.ts';

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * `test-<label>-<run><random>`: the run's tag (from global-setup.ts) lets the end of the run
 * find any key a test left behind, without counting other runs sharing the Redis.
 */
export function uniquePrefix(label: string): string {
  return `test-${label}-${inject('testRunTag')}${randomBytes(4).toString('hex')}`;
}

export function testRedisConfig(label: string): RedisConfig {
  return { url: testRedisUrl(), prefix: uniquePrefix(label) };
}

/** Deletes every key under `prefix`. */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what` in the message. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Redis' own clock, in ms since the epoch: the clock the product's scripts and BullMQ use. */
export async function redisTime(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Resolves once Redis' clock reads at least `ms`: a wait on the product's clock, which a busy
 * test process cannot shorten or stretch.
 */
export async function untilRedisTime(redis: Redis, ms: number): Promise<void> {
  for (let now = await redisTime(redis); now < ms; now = await redisTime(redis)) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(20, ms - now)));
  }
}
