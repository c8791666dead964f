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
}

export function limiterKeys(prefix: string): LimiterKeys {
  const base = `${prefix}:${EXPORT_QUEUE}:ncp`;
  return { calls: `${base}:calls`, pause: `${base}:pause`, strikes: `${base}:strikes` };
}

export interface ThrottleState {
  /** Remaining global pause in ms; 0 when calls flow. */
  pausedForMs: number;
  /** Calls granted within the last second. */
  callsLastSecond: number;
  strikes: number;
}

export async function readThrottleState(
  redis: Redis | Cluster,
  keys: LimiterKeys,
): Promise<ThrottleState> {
  const [time, pauseUntil, strikes] = await Promise.all([
    redis.time(),
    redis.get(keys.pause),
    redis.get(keys.strikes),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const callsLastSecond = await redis.zcount(keys.calls, `(${now - 1000}`, '+inf');
  return {
    pausedForMs: Math.max(0, Number(pauseUntil ?? 0) - now),
    callsLastSecond,
    strikes: Number(strikes ?? 0),
  };
}
