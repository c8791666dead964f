import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, FAULT_NAMES, type FaultName, startEmulator } from '../emulator/index.ts';
import {
  call,
  exportParams,
  exportTarget,
  mulberry32,
  TEST_SEED,
  xmlError,
} from './emulator-client.ts';

const XML = exportTarget('vredis', exportParams('vredis'));
const JSON_TARGET = exportTarget('vredis', {
  ...exportParams('vredis'),
  responseFormatType: 'json',
});

let emulator: Emulator;
afterEach(async () => {
  await emulator?.close();
});

function gateway(errorCode: string, message: string, details: string): unknown {
  return { error: { errorCode, message, details } };
}

describe('emulator: faults by schedule', () => {
  it('answers each gateway fault with NCP status, errorCode and message, JSON whatever the format', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      faults: { schedule: ['http500', 'http503', 'http504', 'throttle', 'none'] },
    });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call(emulator.url, XML));
    expect(answers.map((a) => a.status)).toEqual([500, 503, 504, 429, 200]);
    expect(answers.slice(0, 4).map((a) => JSON.parse(a.body))).toEqual([
      gateway('900', 'Unexpected Error', 'Unexpected error'),
      gateway('500', 'Endpoint Error', 'Endpoint error'),
      gateway('510', 'Endpoint Timeout', 'Endpoint timed out'),
      gateway('420', 'Rate Limited', 'Rate limit exceeded. Try again later.'),
    ]);
    expect(answers[3]!.headers['retry-after']).toBeUndefined();
    const stats = emulator.stats();
    expect(stats.faults).toEqual({
      http500: 1,
      http503: 1,
      http504: 1,
      service1000: 0,
      reset: 0,
      slow: 0,
      malformed: 0,
      throttle: 1,
    });
    expect(stats).toMatchObject({ requests: 5, accepted: 1, throttled: 1 });
  });

  it('sends Retry-After with the throttle fault as configured', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      retryAfter: 3,
      faults: { schedule: ['throttle'] },
    });
    expect((await call(emulator.url, XML)).headers['retry-after']).toBe('3');
  });

  it('answers service1000 as a transient service error in the requested format', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      faults: { schedule: ['service1000', 'service1000'] },
    });
    const xml = await call(emulator.url, XML);
    expect(xml.status).toBe(500);
    expect(xml.body).toBe(xmlError('1000', 'A temporary error occurred. Please try again later.'));
    const json = await call(emulator.url, JSON_TARGET);
    expect(json.status).toBe(500);
    expect(JSON.parse(json.body)).toEqual({
      responseError: {
        returnCode: '1000',
        returnMessage: 'A temporary error occurred. Please try again later.',
      },
    });
    expect(emulator.exports()).toEqual([]);
  });

  it('answers malformed with a 200 whose body is cut off before returnCode', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      faults: { schedule: ['malformed', 'malformed'] },
    });
    const json = await call(emulator.url, JSON_TARGET);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json;charset=UTF-8');
    const garbage = '\u0000\ufffd';
    expect(json.body.endsWith(garbage)).toBe(true);
    expect(json.body.slice(0, -garbage.length)).toMatch(
      /^\{"exportBackupToObjectStorageResponse":\{"requestId":"[0-9a-f-]{36}",$/,
    );
    expect(() => JSON.parse(json.body)).toThrow(SyntaxError);
    const xml = await call(emulator.url, XML);
    expect(xml.status).toBe(200);
    expect(xml.body.endsWith(garbage)).toBe(true);
    expect(xml.body.slice(0, -garbage.length)).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<exportBackupToObjectStorageResponse>\n {4}<requestId>[0-9a-f-]{36}<\/requestId>\n {4}$/,
    );
    expect(emulator.stats()).toMatchObject({ accepted: 0, faults: { malformed: 2 } });
  });

  it('resets the connection without an answer', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, faults: { schedule: ['reset'] } });
    await expect(call(emulator.url, XML)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await call(emulator.url, XML)).status).toBe(200);
    expect(emulator.stats()).toMatchObject({ requests: 2, accepted: 1, faults: { reset: 1 } });
  });

  it('answers slow normally after slowMs, and records nothing if the client gives up first', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      faults: { schedule: ['slow', 'slow'], slowMs: 150 },
    });
    const start = performance.now();
    const res = await call(emulator.url, XML);
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    expect(res.status).toBe(200);
    emulator.configure({ faults: { schedule: ['slow'], slowMs: 60_000 } });
    await expect(call(emulator.url, XML, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(emulator.stats()).toMatchObject({ requests: 2, accepted: 1, faults: { slow: 2 } });
  });

  it('takes faults only from requests that passed auth and the rate limit', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      rateLimit: 2,
      windowMs: 10_000,
      faults: { schedule: ['http503'] },
    });
    expect((await call(emulator.url, XML, { signature: 'bad' })).status).toBe(401);
    expect((await call(emulator.url, XML)).status).toBe(503);
    expect((await call(emulator.url, XML)).status).toBe(200);
    emulator.configure({ faults: { schedule: ['http500'] } });
    expect((await call(emulator.url, XML)).status).toBe(429);
    emulator.configure({ rateLimit: null });
    expect((await call(emulator.url, XML)).status).toBe(500);
  });

  it('adds latencyMs to every answer', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, latencyMs: 150 });
    for (const options of [{}, { signature: 'bad' }]) {
      const start = performance.now();
      await call(emulator.url, XML, options);
      expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    }
    emulator.configure({ latencyMs: 0 });
    const start = performance.now();
    await call(emulator.url, XML);
    expect(performance.now() - start).toBeLessThan(145);
  });
});

describe('emulator: faults by probability', () => {
  it('lays the probabilities out as consecutive intervals of one draw per request', async () => {
    const draws = [0.05, 0.15, 0.25, 0.5, 0.95, 0.0];
    emulator = await startEmulator({
      seed: TEST_SEED,
      random: () => draws.shift()!,
      faults: { probability: { http500: 0.1, http503: 0.1, throttle: 0.2 } },
    });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(emulator.url, XML)).status);
    // [0, .1) http500, [.1, .2) http503, then throttle (last in FAULT_NAMES) takes [.2, .4).
    expect(statuses).toEqual([500, 503, 429, 200, 200, 500]);
  });

  it('injects exactly what a replay of the same seeded draws predicts', async () => {
    const probability: Partial<Record<FaultName, number>> = {
      http503: 0.2,
      service1000: 0.1,
      malformed: 0.1,
    };
    emulator = await startEmulator({
      seed: TEST_SEED,
      random: mulberry32(42),
      faults: { probability },
    });
    const replay = mulberry32(42);
    const expected = Object.fromEntries(FAULT_NAMES.map((name) => [name, 0])) as Record<
      FaultName,
      number
    >;
    let accepted = 0;
    for (let i = 0; i < 150; i++) {
      const u = replay();
      if (u < 0.2) expected.http503++;
      else if (u < 0.3) expected.service1000++;
      else if (u < 0.4) expected.malformed++;
      else accepted++;
    }
    await Promise.all(Array.from({ length: 150 }, () => call(emulator.url, JSON_TARGET)));
    expect(emulator.stats().faults).toEqual(expected);
    expect(emulator.stats().accepted).toBe(accepted);
    expect(expected.http503).toBeGreaterThan(10); // the draw is really exercised
  });

  it('uses the schedule first, then the probabilities', async () => {
    emulator = await startEmulator({
      seed: TEST_SEED,
      random: () => 0,
      faults: { schedule: ['none', 'http504'], probability: { http500: 1 } },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(emulator.url, XML)).status);
    expect(statuses).toEqual([200, 504, 500]);
  });
});
