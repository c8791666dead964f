/**
 * The shared rate limiter against a real Redis: even pacing and the sliding-window promise,
 * judged on the limiter's own record (grant and send times on Redis' clock).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../worker/rate-limit.ts';
import { deletePrefix, redisTime, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

describe('RateLimiter', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(() => redis.disconnect());
  afterEach(async () => deletePrefix(testRedisUrl(), prefix));

  function limiter(
    callsPerSecond: number,
    extra: Partial<ConstructorParameters<typeof RateLimiter>[1]> = {},
  ) {
    prefix = uniquePrefix('limiter');
    return new RateLimiter(redis, { callsPerSecond, queuePrefix: prefix, guardMs: 0, ...extra });
  }

  it('never books more than the limit as sent within any sliding window, whoever asks', async () => {
    const rate = limiter(5, { burst: 4 });
    // 12 callers on 3 connections, as three worker processes would be.
    const connections = [redis, new Redis(testRedisUrl()), new Redis(testRedisUrl())];
    const limiters = connections.map(
      (c) => new RateLimiter(c, { callsPerSecond: 5, queuePrefix: prefix, guardMs: 0, burst: 4 }),
    );
    const booked: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const limiter = limiters[i % 3]!;
        booked.push(await limiter.bookSent(await limiter.acquire()));
      }),
    );
    for (const extra of connections.slice(1)) extra.disconnect();
    // Every call as booked (Redis clock): any 5 apart from the 6th are a full window apart.
    booked.sort((a, b) => a - b);
    for (let i = 5; i < booked.length; i++) {
      expect(booked[i]! - booked[i - 5]!).toBeGreaterThanOrEqual(1000);
    }
    expect(rate.window).toEqual({ capacity: 5, windowMs: 1000 });
  });

  it('paces calls evenly across callers: one every 1000 / limit ms, on Redis clock', async () => {
    limiter(20, { burst: 0 });
    const connections = [redis, new Redis(testRedisUrl())];
    const limiters = connections.map(
      (c) => new RateLimiter(c, { callsPerSecond: 20, queuePrefix: prefix, guardMs: 0, burst: 0 }),
    );
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const limiter = limiters[i % 2]!;
        const { booking, grantedAt } = await limiter.grant();
        granted.push(grantedAt);
        await limiter.sent(booking);
      }),
    );
    connections[1]!.disconnect();
    granted.sort((a, b) => a - b);
    // 16 callers at once: no two grants closer than the emission interval (50 ms; Redis' TIME
    // is read in whole ms, so 1 ms less), not one burst of 16.
    for (let i = 1; i < granted.length; i++) {
      expect(granted[i]! - granted[i - 1]!).toBeGreaterThanOrEqual(49);
    }
  });

  it('lets a burst of `burst` + 1 calls go together, then paces', async () => {
    const rate = limiter(10, { burst: 2 });
    const granted: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { booking, grantedAt } = await rate.grant(undefined, () => waits.push(i));
      granted.push(grantedAt);
      await rate.sent(booking);
    }
    // The first three never wait; from then on one per 100 ms after the first (Redis clock).
    expect(waits.filter((i) => i < 3)).toEqual([]);
    expect(granted[3]! - granted[0]!).toBeGreaterThanOrEqual(99);
    expect(granted[4]! - granted[0]!).toBeGreaterThanOrEqual(199);
  });

  it('counts a granted call until it is booked as sent', async () => {
    const rate = limiter(1);
    await rate.acquire();
    const granted = await redisTime(redis);
    // Not yet sent: it is booked in the future and still fills the window a second later. The
    // second caller stops once it is refused at 1.2 s past the grant, on Redis' clock.
    const controller = new AbortController();
    const second = rate.acquire(controller.signal, () => {
      void redisTime(redis).then((now) => {
        if (now - granted >= 1200) controller.abort(new Error('still waiting'));
      });
    });
    await expect(second).rejects.toThrow('still waiting');
  });

  it('refuses a burst larger than a whole number', () => {
    expect(() => limiter(5, { burst: -1 })).toThrow('burst must be a whole number >= 0, got -1');
  });
});
