/** The emulator's gateway models: sliding window, token bucket with burst, calendar seconds. */
import { describe, expect, it } from 'vitest';
import { parseSandboxArgs } from '../emulator/cli-args.ts';
import { Admitter } from '../emulator/gateway-models.ts';

/** Admits requests at the given times; returns which were admitted. */
function run(
  times: number[],
  model: 'sliding' | 'token-bucket' | 'fixed',
  limit: number,
  burst = 1,
): boolean[] {
  const admitter = new Admitter(1000);
  return times.map((t) => admitter.admit(t, t, limit, model, burst).admitted);
}

describe('gateway models', () => {
  it('sliding: at most `limit` in any window, wherever it starts', () => {
    const times = [0, 100, 200, 999, 1000, 1099, 1100];
    expect(run(times, 'sliding', 3)).toEqual([true, true, true, false, true, false, true]);
  });

  it('token bucket: `burst` at once, then one per 1 / limit s', () => {
    // 20/s, burst 4: four at t=0, the fifth refused; a token every 50 ms afterwards.
    const admitted = run([0, 0, 0, 0, 0, 49, 50, 60, 100], 'token-bucket', 20, 4);
    expect(admitted).toEqual([true, true, true, true, false, false, true, false, true]);
  });

  it('token bucket: even pacing at the limit passes even with a burst of 1', () => {
    const times = Array.from({ length: 100 }, (_, i) => i * 50);
    expect(run(times, 'token-bucket', 20, 1).every(Boolean)).toBe(true);
    // Two calls 10 ms apart: the second finds the bucket empty.
    expect(run([0, 10], 'token-bucket', 20, 1)).toEqual([true, false]);
  });

  it('fixed: `limit` per calendar second, so twice the limit may pass around a boundary', () => {
    const times = [900, 950, 999, 1000, 1001, 1002];
    expect(run(times, 'fixed', 3)).toEqual([true, true, true, true, true, true]);
    expect(run([1000, 1001, 1002, 1500], 'fixed', 3)).toEqual([true, true, true, false]);
  });

  it('tells a refused request when room frees', () => {
    const admitter = new Admitter(1000);
    admitter.admit(0, 0, 1, 'fixed', 1);
    expect(admitter.admit(400, 400, 1, 'fixed', 1)).toEqual({ admitted: false, waitMs: 600 });
  });

  it('is chosen by sandbox flags, with a plain error for a bad one', () => {
    const args = parseSandboxArgs(['--gateway', 'token-bucket', '--burst', '4', '--jitter', '40']);
    expect(args).toMatchObject({ gateway: 'token-bucket', burst: 4, jitterMs: 40 });
    expect(() => parseSandboxArgs(['--gateway', 'leaky'])).toThrow(
      '--gateway must be one of sliding, token-bucket, fixed, got "leaky"',
    );
    expect(() => parseSandboxArgs(['--burst', '0'])).toThrow('--burst must be a whole number >= 1');
  });
});
