import { describe, expect, it } from 'vitest';
import { NcpError } from '../../shared/ncp/index.ts';
import {
  backoffDelay,
  backoffStrategy,
  isFinalAttempt,
  retryDelay,
} from '../../worker/retry-policy.ts';

const policy = { baseMs: 1000, maxMs: 300_000 };

describe('backoffDelay', () => {
  it('draws from [base, base * 2^n], capped at max', () => {
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(1000);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(2000);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(8000);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(4500);
    expect(backoffDelay(policy, 20, undefined, () => 1)).toBe(300_000);
  });

  it('never retries sooner than Retry-After', () => {
    expect(backoffDelay(policy, 1, 45_000, () => 0.5)).toBe(45_000);
    expect(backoffDelay(policy, 1, 10, () => 0.5)).toBe(1500);
  });

  it('spreads retries over the whole range', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(policy, 4, undefined));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(16_000);
    const buckets = new Set(delays.map((d) => Math.floor(d / 3000)));
    expect(buckets.size).toBe(6);
  });
});

describe('retryDelay', () => {
  const retry = { backoff: policy, retryAfterMaxMs: 60_000 };
  const throttled = (retryAfterMs: number | undefined) =>
    new NcpError({ kind: 'throttled', code: '429', message: 'slow down', retryAfterMs });

  it("takes NCP's Retry-After as a floor, capped at NCP_RETRY_AFTER_MAX_MS", () => {
    expect(retryDelay(retry, 1, throttled(45_000))).toBe(45_000);
    expect(retryDelay(retry, 1, throttled(3_600_000))).toBe(60_000);
  });

  it('backs off within [base, base * 2^n] for errors that carry no Retry-After', () => {
    for (const error of [throttled(undefined), new Error('socket hang up')]) {
      const delay = retryDelay(retry, 2, error);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it("is what BullMQ's backoff strategy answers", () => {
    const { backoffStrategy: strategy } = backoffStrategy(retry);
    expect(strategy?.(1, 'ncp-jitter', throttled(30_000))).toBe(30_000);
  });
});

describe('isFinalAttempt', () => {
  const error = (kind: 'server' | 'invalid') =>
    new NcpError({ kind, code: kind === 'server' ? '500' : '400', message: kind });

  it('ends the job at once on an error no retry can fix', () => {
    expect(isFinalAttempt(error('invalid'), 0, 8)).toBe(true);
  });

  it('retries a transient error until the attempts are used up', () => {
    expect(isFinalAttempt(error('server'), 0, 8)).toBe(false);
    expect(isFinalAttempt(error('server'), 6, 8)).toBe(false);
    expect(isFinalAttempt(error('server'), 7, 8)).toBe(true);
  });
});
