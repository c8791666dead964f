/**
 * One rate limit and one throttle pause for every worker process that shares a Redis.
 *
 * The limit is a sliding log: a sorted set of the times at which calls were granted, on Redis'
 * clock (`TIME`), so hosts with drifting clocks still agree. A call is granted only when fewer
 * than `capacity` calls were granted in the last `windowMs`. Unlike a fixed window, this holds
 * in *every* window, including those straddling a boundary.
 *
 * A 429 from NCP sets a pause that every worker honours before its next call: NCP's
 * `Retry-After` when given, otherwise a delay that doubles with each 429 in a row.
 */
import type { Cluster, Redis } from 'ioredis';
import { delay } from '../shared/delay.ts';
import {
  type LimiterKeys,
  limiterKeys,
  readThrottleState,
  type ThrottleState,
} from '../shared/limiter-keys.ts';

export interface RateLimitWindow {
  /** Calls allowed within any window. */
  capacity: number;
  /** Window length in ms, guard included. */
  windowMs: number;
}

/**
 * Turns "calls per second" into a sliding window. No 1-second window can hold a fraction of a
 * call, so a limit of 1 or more allows `floor(limit)` calls per second; a limit below 1 allows
 * one call every `1 / limit` seconds. `guardMs` widens the window to absorb the time between
 * the grant (Redis clock) and the request reaching NCP, so NCP never sees one call too many.
 */
export function rateLimitWindow(callsPerSecond: number, guardMs: number): RateLimitWindow {
  if (!(callsPerSecond > 0)) throw new RangeError('callsPerSecond must be positive');
  if (callsPerSecond >= 1) {
    return { capacity: Math.floor(callsPerSecond), windowMs: 1000 + guardMs };
  }
  return { capacity: 1, windowMs: Math.ceil(1000 / callsPerSecond) + guardMs };
}

// KEYS: calls (zset), pause (string). ARGV: windowMs, capacity, member, reserveMs.
// A granted call is booked `reserveMs` in the future, so it counts in every window until the
// worker books the moment it was actually sent (SENT below).
// Returns { granted (1|0), waitMs, paused (1|0) }.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pauseUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pauseUntil > now then return {0, pauseUntil - now, 1} end
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  local reserve = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], now + reserve, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + reserve)
  return {1, 0, 0}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return {0, 10, 0} end
return {0, oldest + window - now, 0}
`;

// KEYS: calls (zset). ARGV: member. Books the call at the current time, if still booked.
const SENT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return now
`;

// KEYS: pause (string), strikes (counter). ARGV: retryAfterMs (-1 if none), baseMs, maxMs.
// Returns the pause in ms from now.
const THROTTLED = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pauseUntil = tonumber(redis.call('GET', KEYS[1]) or '0')
local retryAfter = tonumber(ARGV[1])
local wait
if retryAfter >= 0 then
  wait = retryAfter
else
  if pauseUntil > now then return pauseUntil - now end
  local strikes = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * 2)
  wait = math.min(tonumber(ARGV[2]) * 2 ^ (strikes - 1), tonumber(ARGV[3]))
end
local untilTs = math.max(pauseUntil, now + wait)
redis.call('SET', KEYS[1], untilTs, 'PX', untilTs - now + 1000)
return untilTs - now
`;

export interface RateLimiterOptions {
  /** Calls per second across all workers. */
  callsPerSecond: number;
  /** The queues' key prefix (QUEUE_PREFIX), e.g. `bull` or `{ncp}`. */
  queuePrefix: string;
  /** @defaultValue 20 */
  guardMs?: number;
  /**
   * How long a granted call counts before it is booked as sent: at least the NCP timeout, so
   * a call from a worker that died before booking still counts until it cannot arrive.
   * @defaultValue 10000
   */
  reserveMs?: number;
  /** First adaptive pause after a 429 without Retry-After. @defaultValue 1000 */
  adaptiveBaseMs?: number;
  /** Longest adaptive pause. @defaultValue 30000 */
  adaptiveMaxMs?: number;
}

/** The two scripts, registered on the connection so they run by SHA (EVALSHA). */
interface LimiterCommands {
  ncpLimiterAcquire(
    calls: string,
    pause: string,
    windowMs: number,
    capacity: number,
    member: string,
    reserveMs: number,
  ): Promise<[number, number, number]>;
  ncpLimiterSent(calls: string, member: string): Promise<number>;
  ncpLimiterThrottled(
    pause: string,
    strikes: string,
    retryAfterMs: number,
    baseMs: number,
    maxMs: number,
  ): Promise<number>;
}

function withLimiterCommands(redis: Redis | Cluster): LimiterCommands {
  if (!('ncpLimiterAcquire' in redis)) {
    redis.defineCommand('ncpLimiterAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('ncpLimiterThrottled', { numberOfKeys: 2, lua: THROTTLED });
    redis.defineCommand('ncpLimiterSent', { numberOfKeys: 1, lua: SENT });
  }
  return redis as unknown as LimiterCommands;
}

export class RateLimiter {
  readonly window: RateLimitWindow;
  private readonly redis: Redis | Cluster;
  private readonly scripts: LimiterCommands;
  private readonly keys: LimiterKeys;
  private readonly adaptiveBaseMs: number;
  private readonly adaptiveMaxMs: number;
  private readonly reserveMs: number;
  private sequence = 0;
  private readonly memberPrefix = `${process.pid}-${Math.random().toString(36).slice(2, 10)}-`;

  constructor(redis: Redis | Cluster, options: RateLimiterOptions) {
    this.redis = redis;
    this.scripts = withLimiterCommands(redis);
    this.window = rateLimitWindow(options.callsPerSecond, options.guardMs ?? 20);
    this.keys = limiterKeys(options.queuePrefix);
    this.adaptiveBaseMs = options.adaptiveBaseMs ?? 1000;
    this.adaptiveMaxMs = options.adaptiveMaxMs ?? 30_000;
    this.reserveMs = options.reserveMs ?? 10_000;
  }

  /**
   * Waits until a call may be sent, then books it and returns the booking, to be passed to
   * {@link sent} once the request is on the wire. Rejects with the signal's reason when
   * `signal` aborts. `onWait` hears of every wait before it starts; if it throws, so does
   * `acquire` (the processor gives up on a pause longer than it may wait).
   */
  async acquire(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
  ): Promise<string> {
    for (;;) {
      signal?.throwIfAborted();
      const member = `${this.memberPrefix}${++this.sequence}`;
      const [granted, waitMs, paused] = await this.scripts.ncpLimiterAcquire(
        this.keys.calls,
        this.keys.pause,
        this.window.windowMs,
        this.window.capacity,
        member,
        this.reserveMs,
      );
      if (granted === 1) return member;
      onWait?.(waitMs, paused === 1);
      // A little jitter spreads the workers that all wake when the oldest call leaves the window.
      await delay(waitMs + Math.random() * 5, signal);
    }
  }

  /**
   * Books a granted call at the moment it was sent (Redis clock): from then on it counts for
   * one window. Call it once the request is written, or when the call ends without being sent.
   */
  async sent(booking: string): Promise<void> {
    await this.scripts.ncpLimiterSent(this.keys.calls, booking);
  }

  /** Records a 429 and returns the global pause it set (or the one already in force), in ms. */
  async throttled(retryAfterMs: number | undefined): Promise<number> {
    const pause = await this.scripts.ncpLimiterThrottled(
      this.keys.pause,
      this.keys.strikes,
      retryAfterMs === undefined ? -1 : Math.max(0, Math.round(retryAfterMs)),
      this.adaptiveBaseMs,
      this.adaptiveMaxMs,
    );
    return Number(pause);
  }

  /** The throttle state every worker shares, as `status` shows it. */
  state(): Promise<ThrottleState> {
    return readThrottleState(this.redis, this.keys);
  }
}
