/** The shared rate limiter against a real Redis: the sliding window, the pause, the cut limit. */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { limiterKeys } from '../../shared/limiter-keys.ts';
import { RateLimiter } from '../../worker/rate-limit.ts';
import {
  deletePrefix,
  redisTime,
  testRedisUrl,
  uniquePrefix,
  untilRedisTime,
} from '../helpers/redis.ts';

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

  it('never grants more than the limit within any sliding window, whoever asks', async () => {
    const rate = limiter(5);
    // 12 callers on 3 connections, as three worker processes would be.
    const connections = [redis, new Redis(testRedisUrl()), new Redis(testRedisUrl())];
    const limiters = connections.map(
      (c) => new RateLimiter(c, { callsPerSecond: 5, queuePrefix: prefix, guardMs: 0 }),
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

  it('pauses everyone after a 429: for Retry-After, else 1 s doubling', async () => {
    const rate = limiter(10);
    expect(await rate.throttled(undefined)).toBe(1000);
    // A 429 of a call sent before the pause began does not lengthen it.
    expect(await rate.throttled(undefined)).toBeLessThanOrEqual(1000);
    expect((await rate.state()).strikes).toBe(1);
    expect(await rate.throttled(3000)).toBe(3000);
    const state = await rate.state();
    expect(state.pausedForMs).toBeGreaterThan(2900);
    let waited = 0;
    const controller = new AbortController();
    const acquiring = rate.acquire(controller.signal, (waitMs, paused) => {
      waited = waitMs;
      expect(paused).toBe(true);
      controller.abort(new Error('stop waiting'));
    });
    await expect(acquiring).rejects.toThrow('stop waiting');
    expect(waited).toBeGreaterThan(2900);
  });

  it('cuts the limit in force to 3/4 once per burst of 429s, then grows it back', async () => {
    const rate = limiter(20, { recoverEveryMs: 200 });
    await rate.throttled(0);
    await rate.throttled(0);
    expect((await rate.state()).limitInForce).toBe(15);
    // One step per acquire once 200 ms have passed on Redis' clock since the last change.
    let changed = await redisTime(redis);
    await untilRedisTime(redis, changed + 200);
    const booking = await rate.acquire();
    changed = await redisTime(redis);
    await rate.sent(booking);
    expect((await rate.state()).limitInForce).toBe(16);
    for (let i = 0; i < 4; i++) {
      await untilRedisTime(redis, changed + 200);
      await rate.sent(await rate.acquire());
      changed = await redisTime(redis);
    }
    expect((await rate.state()).limitInForce).toBe(20);
    expect(await redis.exists(limiterKeys(prefix).rate)).toBe(0);
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
});
