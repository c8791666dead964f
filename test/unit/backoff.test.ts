import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../worker/backoff.ts';
import { rateLimitWindow } from '../../worker/rate-limit.ts';

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

describe('rateLimitWindow', () => {
  it('allows floor(limit) calls per second for limits of 1 and more', () => {
    expect(rateLimitWindow(10, 20)).toEqual({ capacity: 10, windowMs: 1020 });
    expect(rateLimitWindow(2.5, 0)).toEqual({ capacity: 2, windowMs: 1000 });
  });

  it('spaces calls 1/limit seconds apart below 1', () => {
    expect(rateLimitWindow(0.5, 20)).toEqual({ capacity: 1, windowMs: 2020 });
    expect(rateLimitWindow(0.3, 0)).toEqual({ capacity: 1, windowMs: 3334 });
  });

  it('rejects a limit that is not positive', () => {
    expect(() => rateLimitWindow(0, 0)).toThrow(RangeError);
  });
});
