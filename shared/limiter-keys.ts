/**
 * Where the global rate limiter keeps its state. Workers write it (worker/rate-limit.ts);
 * `status` reads it. Keys share the queue's prefix, so a `{ncp}` prefix keeps them in the
 * same Redis Cluster slot as the queue.
 */
import type { Cluster, Redis } from 'ioredis';
import { EXPORT_QUEUE } from './contract.ts';

export interface LimiterKeys {
  /** Sorted set of granted calls, scored by grant time (Redis clock, ms). */
  calls: string;
  /** Time (ms) until which every worker holds off after a 429. */
  pause: string;
  /** 429s in a row without Retry-After; sets the adaptive pause. */
  strikes: string;
  /** Hash: the limit in force after 429s (`cap`) and when it last changed. */
  rate: string;
}

export function limiterKeys(prefix: string): LimiterKeys {
  const base = `${prefix}:${EXPORT_QUEUE}:ncp`;
  return {
    calls: `${base}:calls`,
    pause: `${base}:pause`,
    strikes: `${base}:strikes`,
    rate: `${base}:rate`,
  };
}

export interface ThrottleState {
  /** Remaining global pause in ms; 0 when calls flow. */
  pausedForMs: number;
  /** Calls granted within the last second. */
  callsLastSecond: number;
  strikes: number;
  /** Calls per window in force: below the configured limit for a while after 429s. */
  limitInForce: number | undefined;
}

/** `capacity`: the configured calls per window, when known (workers know it, `status` not). */
export async function readThrottleState(
  redis: Redis | Cluster,
  keys: LimiterKeys,
  capacity?: number,
): Promise<ThrottleState> {
  const [time, pauseUntil, strikes, cut] = await Promise.all([
    redis.time(),
    redis.get(keys.pause),
    redis.get(keys.strikes),
    redis.hget(keys.rate, 'cap'),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const callsLastSecond = await redis.zcount(keys.calls, `(${now - 1000}`, '+inf');
  return {
    pausedForMs: Math.max(0, Number(pauseUntil ?? 0) - now),
    callsLastSecond,
    strikes: Number(strikes ?? 0),
    limitInForce:
      cut === null ? capacity : Math.min(Number(cut), capacity ?? Number.POSITIVE_INFINITY),
  };
}
