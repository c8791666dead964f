/**
 * One rate limit and one throttle pause for every worker process that shares a Redis.
 *
 * The limit is a sliding log: a sorted set of the times at which calls were granted, on Redis'
 * clock (`TIME`), so hosts with drifting clocks still agree. A call is granted only when fewer
 * than `capacity` calls were granted in the last `windowMs`. Unlike a fixed window, this holds
 * in *every* window, including those straddling a boundary.
 *
 * A 429 from NCP sets a pause that every worker honours before its next call (NCP's
 * `Retry-After` when given, otherwise a delay that doubles with each 429 in a row) and cuts the
 * limit in force to 3/4; the limit grows back by 5% of the configured one every 5 s without a
 * 429. So when NCP's real limit is below the configured one, calls settle just under it
 * instead of bouncing off it. The scripts are in `rate-limit-scripts.ts`.
 */
import type { Cluster, Redis } from 'ioredis';
import { delay } from '../shared/delay.ts';
import {
  type LimiterKeys,
  limiterKeys,
  readThrottleState,
  type ThrottleState,
} from '../shared/limiter-keys.ts';
import { ACQUIRE, SENT, THROTTLED } from './rate-limit-scripts.ts';

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

/** After 429s, the limit in force grows back by this share of the configured one. */
const RECOVER_STEP = 0.05;

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
  /** How often the limit in force grows back after 429s. @defaultValue 5000 */
  recoverEveryMs?: number;
}

/** The two scripts, registered on the connection so they run by SHA (EVALSHA). */
interface LimiterCommands {
  ncpLimiterAcquire(
    calls: string,
    pause: string,
    rate: string,
    windowMs: number,
    capacity: number,
    member: string,
    reserveMs: number,
    recoverMs: number,
    step: number,
  ): Promise<[number, number, number]>;
  ncpLimiterSent(calls: string, member: string): Promise<number>;
  ncpLimiterThrottled(
    pause: string,
    strikes: string,
    rate: string,
    retryAfterMs: number,
    baseMs: number,
    maxMs: number,
    capacity: number,
    windowMs: number,
  ): Promise<number>;
}

function withLimiterCommands(redis: Redis | Cluster): LimiterCommands {
  if (!('ncpLimiterAcquire' in redis)) {
    redis.defineCommand('ncpLimiterAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    redis.defineCommand('ncpLimiterThrottled', { numberOfKeys: 3, lua: THROTTLED });
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
  private readonly recoverEveryMs: number;
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
    this.recoverEveryMs = options.recoverEveryMs ?? 5000;
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
        this.keys.rate,
        this.window.windowMs,
        this.window.capacity,
        member,
        this.reserveMs,
        this.recoverEveryMs,
        Math.max(1, Math.ceil(this.window.capacity * RECOVER_STEP)),
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
    await this.bookSent(booking);
  }

  /** {@link sent}, returning the time the call was booked at (Redis clock, ms). */
  async bookSent(booking: string): Promise<number> {
    return Number(await this.scripts.ncpLimiterSent(this.keys.calls, booking));
  }

  /** Records a 429 and returns the global pause it set (or the one already in force), in ms. */
  async throttled(retryAfterMs: number | undefined): Promise<number> {
    const pause = await this.scripts.ncpLimiterThrottled(
      this.keys.pause,
      this.keys.strikes,
      this.keys.rate,
      retryAfterMs === undefined ? -1 : Math.max(0, Math.round(retryAfterMs)),
      this.adaptiveBaseMs,
      this.adaptiveMaxMs,
      this.window.capacity,
      this.window.windowMs,
    );
    return Number(pause);
  }

  /** The throttle state every worker shares, as `status` shows it. */
  state(): Promise<ThrottleState> {
    return readThrottleState(this.redis, this.keys, this.window.capacity);
  }
}
