/**
 * One rate limit for every worker process that shares a Redis: calls paced evenly across all
 * workers and hosts, never more than the limit in any window.
 *
 * - **Pacing (GCRA)** on Redis' clock: one call every `1000 / limit` ms across the fleet, with
 *   a small burst tolerance (`burst` calls), so a token-bucket gateway never sees one burst per
 *   second and transit jitter cannot pile calls into one window.
 * - **The promise**, a sliding log: a sorted set of the times at which calls were sent, on
 *   Redis' clock (`TIME`). A call is granted only when fewer than `capacity` calls were sent
 *   (or granted and not yet sent) in the last `windowMs`. Unlike a fixed window, this holds in
 *   *every* window, including those straddling a boundary.
 *
 * After a 429, `throttle.ts` decides the pause every worker keeps and the lower limit it paces
 * to; repeated auth errors pause everyone (`auth-breaker.ts`). The scripts are in
 * `rate-limit-scripts.ts`.
 */

import type { Cluster, Redis } from 'ioredis';
import { DEFAULTS } from '../shared/defaults.ts';
import { delay } from '../shared/delay.ts';
import {
  type LimiterKeys,
  limiterKeys,
  readThrottleState,
  type ThrottleState,
} from '../shared/limiter-keys.ts';
import { AuthPausedError } from './auth-breaker.ts';
import { ACQUIRE, SENT } from './rate-limit-scripts.ts';
import {
  THROTTLE_DEFAULTS,
  THROTTLED,
  type ThrottleDecision,
  type ThrottleTuning,
  throttleDecision,
} from './throttle.ts';

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

export interface RateLimiterOptions {
  /** Calls per second across all workers. */
  callsPerSecond: number;
  /** The queues' key prefix (QUEUE_PREFIX), e.g. `bull` or `{ncp}`. */
  queuePrefix: string;
  /** @defaultValue 20 */
  guardMs?: number;
  /** Calls that may leave together beyond the paced one (NCP_RATE_BURST). @defaultValue 1 */
  burst?: number;
  /**
   * How long a granted call counts before it is booked as sent: at least the NCP timeout, so
   * a call from a worker that died before booking still counts until it cannot arrive.
   * @defaultValue 10000
   */
  reserveMs?: number;
  /** Longest pause any one 429's Retry-After sets (NCP_RETRY_AFTER_MAX_MS). @defaultValue 60000 */
  retryAfterMaxMs?: number;
  /** How the limit is learned after 429s; see `throttle.ts`. */
  tuning?: Partial<ThrottleTuning>;
}

/** The scripts, registered on the connection so they run by SHA (EVALSHA). */
interface LimiterCommands {
  ncpLimiterAcquire(
    calls: string,
    pause: string,
    rate: string,
    gcra: string,
    auth: string,
    limit: number,
    capacity: number,
    windowMs: number,
    member: string,
    reserveMs: number,
    keepMs: number,
    burst: number,
    probeEveryMs: number,
    probeStep: number,
    ceilingTtlMs: number,
    probeStepUnbounded: number,
  ): Promise<[number, number, number, number?]>;
  ncpLimiterSent(calls: string, member: string): Promise<number>;
  ncpLimiterThrottled(
    calls: string,
    pause: string,
    strikes: string,
    rate: string,
    refused: string,
    member: string,
    retryAfterMs: number,
    baseMs: number,
    maxMs: number,
    limit: number,
    margin: number,
    keepMs: number,
    capMs: number,
    windowMs: number,
    ceilingTtlMs: number,
  ): Promise<[number, number, string, number, number]>;
}

function withLimiterCommands(redis: Redis | Cluster): LimiterCommands {
  if (!('ncpLimiterAcquire' in redis)) {
    redis.defineCommand('ncpLimiterAcquire', { numberOfKeys: 5, lua: ACQUIRE });
    redis.defineCommand('ncpLimiterThrottled', { numberOfKeys: 5, lua: THROTTLED });
    redis.defineCommand('ncpLimiterSent', { numberOfKeys: 1, lua: SENT });
  }
  return redis as unknown as LimiterCommands;
}

/** Options of {@link RateLimiter.acquire}. */
export interface AcquireOptions {
  /** Grant even while auth errors pause everyone (the breaker's probe call). */
  ignoreAuthPause?: boolean;
}

export class RateLimiter {
  readonly window: RateLimitWindow;
  readonly callsPerSecond: number;
  readonly keys: LimiterKeys;
  readonly retryAfterMaxMs: number;
  private readonly redis: Redis | Cluster;
  private readonly scripts: LimiterCommands;
  private readonly burst: number;
  private readonly reserveMs: number;
  private readonly tuning: ThrottleTuning;
  private sequence = 0;
  private readonly memberPrefix = `${process.pid}-${Math.random().toString(36).slice(2, 10)}-`;

  constructor(redis: Redis | Cluster, options: RateLimiterOptions) {
    this.redis = redis;
    this.scripts = withLimiterCommands(redis);
    this.callsPerSecond = options.callsPerSecond;
    this.window = rateLimitWindow(options.callsPerSecond, options.guardMs ?? DEFAULTS.rateGuardMs);
    this.keys = limiterKeys(options.queuePrefix);
    this.burst = options.burst ?? DEFAULTS.rateBurst;
    if (!(Number.isInteger(this.burst) && this.burst >= 0)) {
      throw new RangeError(`burst must be a whole number >= 0, got ${options.burst}`);
    }
    this.reserveMs = options.reserveMs ?? DEFAULTS.rateReserveMs;
    this.retryAfterMaxMs = options.retryAfterMaxMs ?? DEFAULTS.retryAfterMaxMs;
    this.tuning = { ...THROTTLE_DEFAULTS, ...options.tuning };
  }

  /**
   * Waits until a call may be sent, then books it and returns the booking, to be passed to
   * {@link sent} once the request is on the wire. Rejects with the signal's reason when
   * `signal` aborts, and with {@link AuthPausedError} while auth errors pause every worker.
   * `onWait` hears of every wait before it starts; if it throws, so does `acquire` (the
   * processor gives up on a pause longer than it may wait).
   */
  async acquire(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
    options: AcquireOptions = {},
  ): Promise<string> {
    return (await this.grant(signal, onWait, options)).booking;
  }

  /** {@link acquire}, with the time of the call's slot (Redis clock, ms). */
  async grant(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
    options: AcquireOptions = {},
  ): Promise<{ booking: string; grantedAt: number }> {
    for (let tries = 1; ; tries++) {
      signal?.throwIfAborted();
      const member = `${this.memberPrefix}${++this.sequence}`;
      const [granted, waitMs, paused, intervalMs] = await this.scripts.ncpLimiterAcquire(
        this.keys.calls,
        this.keys.pause,
        this.keys.rate,
        this.keys.gcra,
        // A key that never exists: the probe is granted past the auth pause.
        options.ignoreAuthPause ? `${this.keys.auth}:ignored` : this.keys.auth,
        this.callsPerSecond,
        this.window.capacity,
        this.window.windowMs,
        member,
        this.reserveMs,
        this.tuning.keepMs,
        this.burst,
        this.tuning.probeEveryMs,
        this.tuning.probeStep,
        this.tuning.ceilingTtlMs,
        this.tuning.probeStepUnbounded,
      );
      if (granted === 1) {
        const slotMs = Number(intervalMs ?? 0);
        if (slotMs > 0) {
          // The slot is reserved: wait for it. Cut short, the call counts as sent (safe).
          try {
            await delay(slotMs, signal);
          } catch (error) {
            await this.sent(member);
            throw error;
          }
        }
        return { booking: member, grantedAt: Number(waitMs) + slotMs };
      }
      if (paused === 2) throw new AuthPausedError();
      onWait?.(waitMs, paused === 1);
      // Every waiter is told the same next slot; spread them over more slots the longer they
      // have waited, so a slot wakes a few callers, not all of them (one EVALSHA each).
      const spread = Math.min(tries, 8) * (intervalMs ?? 1);
      await delay(waitMs + Math.random() * spread, signal);
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

  /**
   * Records the 429 NCP gave the call `booking` (already booked as sent) and decides the pause
   * and the limit in force (`throttle.ts`).
   */
  async throttled(retryAfterMs: number | undefined, booking = ''): Promise<ThrottleDecision> {
    const capMs = this.retryAfterMaxMs;
    const reply = await this.scripts.ncpLimiterThrottled(
      this.keys.calls,
      this.keys.pause,
      this.keys.strikes,
      this.keys.rate,
      this.keys.refused,
      booking,
      retryAfterMs === undefined ? -1 : Math.max(0, Math.round(retryAfterMs)),
      this.tuning.adaptiveBaseMs,
      this.tuning.adaptiveMaxMs,
      this.callsPerSecond,
      this.tuning.margin,
      this.tuning.keepMs,
      capMs,
      this.window.windowMs,
      this.tuning.ceilingTtlMs,
    );
    return throttleDecision(reply, retryAfterMs);
  }

  /** The throttle state every worker shares, as `status` shows it. */
  state(): Promise<ThrottleState> {
    return readThrottleState(this.redis, this.keys, this.callsPerSecond);
  }
}
