import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { call, exportParams, exportTarget, sleepUntil, TEST_SEED } from './emulator-client.ts';

const TARGET = exportTarget('vcache', exportParams('vcache'));
const RATE_LIMITED = {
  error: {
    errorCode: '420',
    message: 'Rate Limited',
    details: 'Rate limit exceeded. Try again later.',
  },
};
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

let emulator: Emulator;
afterEach(async () => {
  await emulator?.close();
});

async function statuses(count: number): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await call(emulator.url, TARGET)).status);
  return result;
}

describe('emulator: rate limit', () => {
  it('admits rateLimit requests per sliding second, refuses the next with 429, admits again later', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 5 });
    await call(emulator.url, TARGET, { signature: 'warm-up' }); // a 401 is not admitted
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await call(emulator.url, TARGET);
    const allAdmitted = performance.now();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeUndefined();
    expect(refused.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(JSON.parse(refused.body)).toEqual(RATE_LIMITED);
    await sleepUntil(allAdmitted + 1010);
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
    expect(emulator.stats()).toMatchObject({
      requests: 12,
      accepted: 10,
      throttled: 1,
      badSignatures: 1,
      maxAcceptedPerSecond: 5,
    });
  });

  it('slides: a slot frees when the oldest admitted request leaves the window', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 2, windowMs: 800 });
    expect(await statuses(1)).toEqual([200]); // A
    const t0 = performance.now(); // A arrived before t0
    await sleepUntil(t0 + 250);
    expect(await statuses(2)).toEqual([200, 429]); // B at >= 250, C refused (A, B)
    await sleepUntil(t0 + 820);
    expect(await statuses(2)).toEqual([200, 429]); // A left: D admitted; E refused (B, D)
    expect(emulator.stats()).toMatchObject({ accepted: 3, throttled: 2 });
  });

  it('does not count refused requests as admitted', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 2, windowMs: 300 });
    expect(await statuses(6)).toEqual([200, 200, 429, 429, 429, 429]);
    await sleepUntil(performance.now() + 310); // the two admitted ones left; refused ones never counted
    expect(await statuses(3)).toEqual([200, 200, 429]);
  });

  it('sends Retry-After as delta-seconds when configured', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 1, retryAfter: 2 });
    await statuses(1);
    const res = await call(emulator.url, TARGET);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
  });

  it('sends Retry-After as an HTTP-date on the gateway clock, rounded up past the free slot', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 1, retryAfter: 'date' });
    const admittedAt = Date.now();
    await statuses(1);
    const res = await call(emulator.url, TARGET);
    expect(res.status).toBe(429);
    const header = String(res.headers['retry-after']);
    expect(header).toMatch(HTTP_DATE);
    const at = Date.parse(header);
    expect(at % 1000).toBe(0);
    expect(at).toBeGreaterThanOrEqual(admittedAt + 999); // the slot frees 1 s after admission
    expect(at).toBeLessThanOrEqual(Date.now() + 2000);
    expect(at).toBeGreaterThan(Date.now());
  });

  it('changes the limit and Retry-After at run time', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 1, windowMs: 10_000 });
    expect(await statuses(2)).toEqual([200, 429]);
    emulator.configure({ rateLimit: 3, retryAfter: 7 });
    const more = [
      await call(emulator.url, TARGET),
      await call(emulator.url, TARGET),
      await call(emulator.url, TARGET),
    ];
    expect(more.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(more[2]!.headers['retry-after']).toBe('7');
    emulator.configure({ rateLimit: null });
    expect(await statuses(3)).toEqual([200, 200, 200]);
    emulator.configure({ rateLimit: 1 });
    expect(await statuses(1)).toEqual([429]);
    emulator.reset(); // clears the windows: admitted again at once
    expect(await statuses(2)).toEqual([200, 429]);
  });
});
