import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Emulator,
  EmulatorConfigError,
  type EmulatorPatch,
  startEmulator,
} from '../emulator/index.ts';
import { SlidingWindow } from '../emulator/sliding-window.ts';
import { call, exportParams, exportTarget, sleepUntil, TEST_SEED } from './emulator-client.ts';

const TARGET = exportTarget('vredis', exportParams('vredis'));
const INVALID = exportTarget('vredis', { ...exportParams('vredis'), bucketName: 'nope' });

let emulator: Emulator;
afterEach(async () => {
  await emulator?.close();
});

async function admin(method: string, path: string, body?: string) {
  const res = await request(`${emulator.url}${path}`, { method: method as 'GET', body });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

describe('SlidingWindow', () => {
  it('counts events whose times differ by less than the window, exactly', () => {
    const window = new SlidingWindow(1000);
    expect([0, 1, 999.999].map((t) => window.add(t))).toEqual([1, 2, 3]);
    expect(window.add(1000)).toBe(3); // 0 left: 1000 - 0 is not less than 1000
    expect(window.count(1999)).toBe(2); // 999.999 and 1000
    expect(window.oldest()).toBe(999.999);
    expect(window.add(2500)).toBe(1);
    expect(window.max).toBe(3);
    window.clear();
    expect([window.max, window.count(3000), window.oldest()]).toEqual([0, 0, undefined]);
  });

  it('stays exact over many events (checked against a brute-force count)', () => {
    const window = new SlidingWindow(100);
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 5000; i++) {
      t += (i * 7919) % 13 === 0 ? 40 : (i % 5) * 3;
      times.push(t);
      window.add(t);
    }
    let brute = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 100) j++;
      brute = Math.max(brute, i - j + 1);
    }
    expect(window.max).toBe(brute);
  });
});

describe('emulator: stats', () => {
  it('measures the most arrivals, and the most acceptances, within any sliding window', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, windowMs: 600 });
    const burst = (target: string) => Promise.all([1, 2, 3].map(() => call(emulator.url, target)));
    await call(emulator.url, INVALID); // warm-up
    emulator.reset(); // clears the windows too
    await burst(TARGET); // 3 accepted
    const t0 = performance.now(); // the first burst arrived before t0
    await sleepUntil(t0 + 300);
    await burst(INVALID); // 3 refused, in one window with the first burst: 6
    await sleepUntil(t0 + 700);
    await burst(TARGET); // 3 accepted, 6 with the second burst, none with the first
    expect(emulator.stats()).toMatchObject({
      requests: 9,
      accepted: 6,
      invalid: 3,
      maxPerSecond: 6,
      maxAcceptedPerSecond: 3,
    });
  });
});

describe('emulator: admin routes and run-time control', () => {
  it('serves stats and exports, takes config and reset, and counts none of it', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    await call(emulator.url, TARGET);
    const stats = await admin('GET', '/__admin/stats');
    expect(stats).toEqual({ status: 200, body: emulator.stats() });
    expect(stats.body.requests).toBe(1);
    expect(await admin('GET', '/__admin/exports')).toEqual({
      status: 200,
      body: emulator.exports(),
    });

    const patch: EmulatorPatch = {
      rateLimit: 2,
      retryAfter: 'date',
      faults: { schedule: ['http503'] },
    };
    expect(await admin('POST', '/__admin/config', JSON.stringify(patch))).toEqual({
      status: 204,
      body: undefined,
    });
    expect((await call(emulator.url, TARGET)).status).toBe(503);
    const throttled = await call(emulator.url, TARGET);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toMatch(/ GMT$/);

    expect(await admin('POST', '/__admin/config', '{"rateLimit":0,"colour":"red"}')).toEqual({
      status: 400,
      body: {
        error:
          'POST /__admin/config is invalid: rateLimit: Too small: expected number to be >0; (root): Unrecognized key: "colour"',
      },
    });
    expect((await admin('POST', '/__admin/config', '{oops')).status).toBe(400);
    expect(await admin('POST', '/__admin/reset')).toEqual({ status: 204, body: undefined });
    expect((await admin('GET', '/__admin/nope')).status).toBe(404);
    expect(emulator.stats()).toMatchObject({
      requests: 0,
      accepted: 0,
      throttled: 0,
      maxPerSecond: 0,
    });
    expect(emulator.exports()).toEqual([]);
    expect((await call(emulator.url, TARGET)).status).toBe(200); // windows cleared too
  });

  it('checks configure() patches and names the bad field', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const bad: unknown[] = [
      { latencyMs: -1 },
      { retryAfter: 'later' },
      { faults: { probability: { http500: 0.7, http503: 0.5 } } },
      { faults: { schedule: ['explode'] } },
    ];
    for (const patch of bad)
      expect(() => emulator.configure(patch as EmulatorPatch)).toThrow(EmulatorConfigError);
    expect(() =>
      emulator.configure({ faults: { probability: { http500: 0.7, http503: 0.5 } } }),
    ).toThrow(
      'configure() is invalid: faults.probability: the probabilities must add up to at most 1',
    );
    expect((await call(emulator.url, TARGET)).status).toBe(200); // nothing half-applied
  });

  it('refuses bad start options plainly', async () => {
    await expect(startEmulator({ seed: TEST_SEED, port: 70_000 })).rejects.toThrow(
      'EmulatorOptions is invalid: port: Too big: expected number to be <=65535',
    );
    await expect(startEmulator({ seed: TEST_SEED, rateLimit: 2.5 })).rejects.toThrow(
      EmulatorConfigError,
    );
    await expect(startEmulator({ seed: { ...TEST_SEED, regions: [] } })).rejects.toThrow(
      'EmulatorOptions.seed is invalid:\n  - regions: needs at least one region',
    );
  });
});

describe('emulator: close', () => {
  it('closes at once with idle keep-alive sockets and in-flight slow answers', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      faults: { schedule: ['none', 'slow'], slowMs: 60_000 },
    });
    const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    try {
      expect((await call(emulator.url, TARGET, { dispatcher: agent })).status).toBe(200);
      const slow = call(emulator.url, TARGET, { dispatcher: agent });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const start = performance.now();
      await emulator.close();
      expect(performance.now() - start).toBeLessThan(500);
      await expect(slow).rejects.toThrow();
      await expect(call(emulator.url, TARGET)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await emulator.close(); // twice is fine
    } finally {
      await agent.close();
    }
  });
});
