import { describe, expect, it } from 'vitest';
import { rateLimitWindow } from '../../worker/rate-limit.ts';

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
