/**
 * What the limiter decides after a 429, against a real Redis: the estimate of NCP's limit from
 * the calls it accepted, the pause, the learned limit kept across restarts, probing, and the
 * Retry-After cap. Judged on the limiter's own record (Redis clock).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { limiterKeys } from '../../shared/limiter-keys.ts';
import { RateLimiter } from '../../worker/rate-limit.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

describe('throttling', () => {
  let redis: Redis;
  let prefix: string | undefined;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(() => redis.disconnect());
  afterEach(async () => {
    if (prefix) await deletePrefix(testRedisUrl(), prefix);
    prefix = undefined;
  });

  function limiter(
    callsPerSecond: number,
    extra: Partial<ConstructorParameters<typeof RateLimiter>[1]> = {},
  ) {
    prefix ??= uniquePrefix('throttle');
    return new RateLimiter(redis, { callsPerSecond, queuePrefix: prefix, guardMs: 0, ...extra });
  }

  /** `n` calls granted and booked as sent, as NCP would have accepted them. */
  async function accepted(rate: RateLimiter, n: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await rate.bookSent(await rate.acquire()));
    return times;
  }

  it('cuts the limit to just under what NCP accepted in the second before a 429', async () => {
    const rate = limiter(100, { burst: 100 });
    await sentLongAgo(redis, prefix!);
    const sent = await accepted(rate, 20);
    await nextMillisecond(redis, sent.at(-1)!); // calls sent in the same ms are not "before"
    const refused = await rate.acquire();
    await rate.sent(refused);
    const inFlight = await rate.acquire();
    await rate.sent(inFlight);
    const before = await redisTime(redis);
    const decision = await rate.throttled(undefined, refused);
    expect(decision.estimate).toBe(20);
    expect(decision.limitCutTo).toBeCloseTo(19.4, 5);
    // Everyone waits until the first accepted call has left NCP's window: no longer.
    expect(decision.pauseMs).toBeLessThanOrEqual(sent[0]! + 1000 - before);
    expect(decision.pauseMs).toBeGreaterThan(0);
    // A call sent before that decision (in flight) brings old news: nothing changes.
    const late = await rate.throttled(undefined, inFlight);
    expect(late.oldNews).toBe(true);
    expect(late.limitCutTo).toBeUndefined();
    const state = await rate.state();
    expect(state.limitInForce).toBe(19.4);
    expect(state.ncpAccepted).toBe(20);
    // Far below the pace in force, and seen once: not yet where 429s begin.
    expect(state.ceiling).toBeUndefined();
    expect(state.strikes).toBe(0);
  });

  it('paces at the learned limit after the pause, and a restarted worker keeps it', async () => {
    const noProbe = { burst: 0, tuning: { probeEveryMs: 600_000 } };
    const first = limiter(100, noProbe);
    await nextMillisecond(redis, (await accepted(first, 10)).at(-1)!);
    const refused = await first.acquire();
    await first.sent(refused);
    const { limitCutTo } = await first.throttled(undefined, refused);
    expect(limitCutTo).toBeCloseTo(9.7, 5);
    // A new limiter (a restarted worker) on the same prefix starts from the learned limit.
    const restarted = limiter(100, noProbe);
    expect((await restarted.state()).limitInForce).toBe(9.7);
    const granted: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { booking, grantedAt } = await restarted.grant();
      granted.push(grantedAt);
      await restarted.sent(booking);
    }
    // One call every 1000 / 9.7 = 103.1 ms (Redis' TIME in whole ms), no burst.
    for (let i = 1; i < granted.length; i++) {
      expect(granted[i]! - granted[i - 1]!).toBeGreaterThanOrEqual(103);
    }
  });

  it('probes up slowly without 429s, and stops just under the pace where 429s began', async () => {
    const rate = limiter(11, { burst: 100, tuning: { probeEveryMs: 20, probeStep: 0.5 } });
    await sentLongAgo(redis, prefix!);
    // NCP accepts 10 at a pace of 11 per second, then refuses: 429s begin at 11.
    await nextMillisecond(redis, (await accepted(rate, 10)).at(-1)!);
    const refused = await rate.acquire();
    await rate.sent(refused);
    await rate.throttled(undefined, refused);
    expect(await rate.state()).toMatchObject({ limitInForce: 10.67, ceiling: 11 });
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      await rate.sent(await rate.acquire());
    }
    // 10.67 grows by half of itself per probe, but no further than 98% of 11.
    expect((await rate.state()).limitInForce).toBe(10.78);
  });

  it('takes an estimate after less than a window of calls as a lower bound only', async () => {
    const rate = limiter(100, {
      burst: 100,
      tuning: { probeEveryMs: 20, probeStepUnbounded: 0.5 },
    });
    await nextMillisecond(redis, (await accepted(rate, 10)).at(-1)!);
    const refused = await rate.acquire();
    await rate.sent(refused);
    await rate.throttled(undefined, refused);
    expect((await rate.state()).limitInForce).toBe(9.7);
    await new Promise((resolve) => setTimeout(resolve, 25));
    await rate.sent(await rate.acquire());
    // No ceiling: the probe grows it by half, past NCP's 10.
    expect((await rate.state()).limitInForce).toBe(14.55);
  });

  it('lowers the estimate by one for each call it counted that comes back refused', async () => {
    const rate = limiter(100, { burst: 100 });
    await sentLongAgo(redis, prefix!);
    const sent = [];
    for (let i = 0; i < 12; i++) sent.push(await rate.acquire());
    for (const booking of sent) await rate.sent(booking);
    await nextMillisecond(redis, await redisTime(redis));
    const refused = await rate.acquire();
    await rate.sent(refused);
    // The 429 of `refused` comes back first; those of the last two calls before it, later.
    expect((await rate.throttled(undefined, refused)).estimate).toBe(12);
    const late = await rate.throttled(undefined, sent[11]!);
    expect(late).toMatchObject({ oldNews: true, estimate: 11 });
    expect(late.limitCutTo).toBeCloseTo(10.67, 5);
    await rate.throttled(undefined, sent[10]!);
    const state = await rate.state();
    expect(state.ncpAccepted).toBe(10);
    expect(state.limitInForce).toBe(9.7);
  });

  it('pauses exponentially only while NCP accepts nothing at all', async () => {
    const rate = limiter(10);
    const calls = [];
    for (let i = 0; i < 3; i++) {
      const booking = await rate.acquire();
      await rate.sent(booking);
      calls.push(booking);
      const decision = await rate.throttled(undefined, booking);
      expect(decision.estimate).toBe(0);
      expect(decision.limitCutTo).toBeUndefined();
      expect(decision.pauseMs).toBe(1000 * 2 ** i);
      await redis.del(limiterKeys(prefix!).pause); // as if the pause had passed
    }
    expect((await rate.state()).strikes).toBe(3);
  });

  it('caps Retry-After at retryAfterMaxMs and says so', async () => {
    const rate = limiter(10, { retryAfterMaxMs: 1500 });
    const booking = await rate.acquire();
    await rate.sent(booking);
    const decision = await rate.throttled(86_400_000, booking);
    expect(decision.pauseMs).toBe(1500);
    expect(decision.retryAfterCappedFromMs).toBe(86_400_000);
    const state = await rate.state();
    expect(state.pausedForMs).toBeLessThanOrEqual(1500);
    expect(state.pausedForMs).toBeGreaterThan(1000);
  });
});

async function redisTime(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** A call booked as sent 1.5 s ago: the limiter has a whole window of history. */
async function sentLongAgo(redis: Redis, prefix: string): Promise<void> {
  await redis.zadd(limiterKeys(prefix).calls, (await redisTime(redis)) - 1500, 'long-ago');
}

/** Returns once Redis' clock has passed `ms`. */
async function nextMillisecond(redis: Redis, ms: number): Promise<void> {
  while ((await redisTime(redis)) <= ms) {}
}
