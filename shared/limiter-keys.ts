/**
 * Where the global rate limiter keeps its state. Workers write it (worker/rate-limit.ts,
 * worker/throttle.ts, worker/auth-breaker.ts); `status`, the metrics and `/readyz` read it.
 * Keys share the queue's prefix, so a `{ncp}` prefix keeps them in the same Redis Cluster slot
 * as the queue.
 */
import type { Cluster, Redis } from 'ioredis';
import { EXPORT_QUEUE } from './contract-core.ts';

export interface LimiterKeys {
  /** Sorted set of calls, scored by send time (Redis clock, ms; ahead while not yet sent). */
  calls: string;
  /** Sorted set of the calls NCP answered 429, scored by send time (for the estimate). */
  refused: string;
  /** Time (ms) until which every worker holds off after a 429. */
  pause: string;
  /** 429s in a row while NCP accepted nothing; sets the exponential pause. */
  strikes: string;
  /** Hash: the limit learned from 429s (`limit`, `ceiling`, `estimate`, `cut`, ...). */
  rate: string;
  /** The pacing's theoretical arrival time of the next call (GCRA). */
  gcra: string;
  /** Hash, present while auth errors pause every worker (`since`, `accessKeyId`, `code`, ...). */
  auth: string;
  /** Auth errors counted towards the pause. */
  authStrikes: string;
}

export function limiterKeys(prefix: string): LimiterKeys {
  const base = `${prefix}:${EXPORT_QUEUE}:ncp`;
  return {
    calls: `${base}:calls`,
    refused: `${base}:refused`,
    pause: `${base}:pause`,
    strikes: `${base}:strikes`,
    rate: `${base}:rate`,
    gcra: `${base}:gcra`,
    auth: `${base}:auth`,
    authStrikes: `${base}:auth-strikes`,
  };
}

/** Why every worker stopped calling NCP after repeated auth errors. */
export interface AuthPause {
  /** When the pause began (ISO). */
  since: string;
  /** The access key id the failing calls were signed with (never the secret). */
  accessKeyId: string;
  /** NCP's gateway errorCode of the last auth error, e.g. 200. */
  code: string;
  /** Auth errors that led to the pause. */
  failures: number;
  message: string;
}

export interface ThrottleState {
  /** Remaining global pause in ms; 0 when calls flow. */
  pausedForMs: number;
  /** Calls sent (or granted) within the last second. */
  callsLastSecond: number;
  strikes: number;
  /**
   * Calls per second in force when it is below the configured limit: learned from 429s
   * (worker/throttle.ts). Undefined when the configured limit is in force.
   */
  limitInForce: number | undefined;
  /** Calls NCP accepted in the window before its last 429 that cut the limit. */
  ncpAccepted: number | undefined;
  /** Calls per second at which 429s began, which probing stays under; undefined if unknown. */
  ceiling: number | undefined;
  /** When the limit was last cut after a 429 (ISO). */
  lastThrottledAt: string | undefined;
  /** Set while auth errors pause every worker. */
  authPause: AuthPause | undefined;
}

/** `configured`: the configured calls per second, when known (workers know it, `status` not). */
export async function readThrottleState(
  redis: Redis | Cluster,
  keys: LimiterKeys,
  configured?: number,
): Promise<ThrottleState> {
  const [time, pauseUntil, strikes, rate, auth] = await Promise.all([
    redis.time(),
    redis.get(keys.pause),
    redis.get(keys.strikes),
    redis.hmget(keys.rate, 'limit', 'ceiling', 'ceilingAt', 'cut', 'estimate'),
    redis.hgetall(keys.auth),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const callsLastSecond = await redis.zcount(keys.calls, `(${now - 1000}`, '+inf');
  const [limit, ceiling, ceilingAt, cut, estimate] = rate;
  const learned = limit === null ? undefined : Number(limit);
  return {
    pausedForMs: Math.max(0, Number(pauseUntil ?? 0) - now),
    callsLastSecond,
    strikes: Number(strikes ?? 0),
    limitInForce:
      learned === undefined
        ? undefined
        : Math.round(Math.min(learned, configured ?? Number.POSITIVE_INFINITY) * 100) / 100,
    ncpAccepted: estimate === null ? undefined : Number(estimate),
    ceiling:
      ceiling === null || !(Number(ceilingAt) > 0)
        ? undefined
        : Math.round(Number(ceiling) * 100) / 100,
    lastThrottledAt: cut === null ? undefined : new Date(Number(cut)).toISOString(),
    authPause: readAuthPause(auth),
  };
}

function readAuthPause(hash: Record<string, string>): AuthPause | undefined {
  if (hash.since === undefined) return undefined;
  return {
    since: new Date(Number(hash.since)).toISOString(),
    accessKeyId: hash.accessKeyId ?? '',
    code: hash.code ?? '',
    failures: Number(hash.failures ?? 0),
    message: hash.message ?? '',
  };
}

/** Lifts the auth pause (`ncp-cache-export resume-auth`); true when there was one. */
export async function clearAuthPause(redis: Redis | Cluster, keys: LimiterKeys): Promise<boolean> {
  const [removed] = await Promise.all([redis.del(keys.auth), redis.del(keys.authStrikes)]);
  return removed === 1;
}
