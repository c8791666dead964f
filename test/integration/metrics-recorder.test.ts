import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import { metricFields, metricsKey } from '../../shared/metrics.ts';
import { MetricsRecorder } from '../../worker/metrics.ts';
import { deletePrefix, testRedisConfig, waitFor } from '../helpers/redis.ts';

const outcome = (status: Outcome['status'], kind?: string) =>
  ({ status, error: kind ? { kind } : null }) as Outcome;

describe('MetricsRecorder', () => {
  const config = testRedisConfig('metrics-recorder');
  let redis: Redis;
  let recorder: MetricsRecorder;
  const hash = () => redis.hgetall(metricsKey(config.prefix));

  beforeEach(() => {
    redis = new Redis(config.url);
    recorder = new MetricsRecorder(redis, config.prefix, pino({ level: 'silent' }));
  });

  afterEach(async () => {
    await recorder.flush();
    redis.disconnect();
    await deletePrefix(config.url, config.prefix);
  });

  it('writes the counts of calls with the outcome that follows them, in one command', async () => {
    // The connection's handshake and the script's first run (EVAL) out of the way.
    recorder.outcome(outcome('failed', 'auth'));
    await recorder.flush();
    await redis.del(metricsKey(config.prefix));
    recorder.call('vredis', 429, 0.02);
    recorder.call('vredis', 200, 0.03);
    recorder.call('vredis', 200, 0.04);
    const sent = vi.spyOn(redis, 'sendCommand');
    recorder.outcome(outcome('succeeded'));
    await recorder.flush();
    expect(sent.mock.calls.map(([command]) => command.name)).toEqual(['evalsha']);
    sent.mockRestore();

    const counts = await hash();
    expect(counts[metricFields.outcome('succeeded', undefined)]).toBe('1');
    expect(counts[metricFields.throttled('vredis')]).toBe('1');
    expect(counts[metricFields.callBucket('vredis', 200, 0.03)]).toBe('2');
    expect(counts[metricFields.callBucket('vredis', 429, 0.02)]).toBe('1');
    expect(Number(counts[metricFields.callSum('vredis', 200)])).toBeCloseTo(0.07, 6);
  });

  it('writes the outcomes of one turn of the event loop together, at its end', async () => {
    recorder.outcome(outcome('failed', 'auth')); // the connection's handshake and first EVAL
    await recorder.flush();
    await redis.del(metricsKey(config.prefix));
    const sent = vi.spyOn(redis, 'sendCommand');
    recorder.call('vcache', 200, 0.01);
    recorder.outcome(outcome('succeeded'));
    recorder.outcome(outcome('succeeded'));
    recorder.outcome(outcome('failed', 'server'));
    expect(sent).not.toHaveBeenCalled();
    await waitFor('the outcomes counted', async () => Object.keys(await hash()).length === 4);
    const writes = sent.mock.calls.map(([command]) => command.name).filter((n) => n !== 'hgetall');
    expect(writes).toEqual(['evalsha']);
    sent.mockRestore();
    expect((await hash())[metricFields.outcome('succeeded', undefined)]).toBe('2');
  });

  it('writes the counts of calls without an outcome within a moment', async () => {
    recorder.call('vcache', undefined, 1.5);
    await waitFor('the call counted', async () => Object.keys(await hash()).length === 2, 2000, 10);
    expect((await hash())[metricFields.callBucket('vcache', undefined, 1.5)]).toBe('1');
  });

  it('adds to what other workers counted', async () => {
    const other = new MetricsRecorder(redis, config.prefix, pino({ level: 'silent' }));
    recorder.outcome(outcome('failed', 'invalid'));
    other.outcome(outcome('failed', 'invalid'));
    await Promise.all([recorder.flush(), other.flush()]);
    expect((await hash())[metricFields.outcome('failed', 'invalid')]).toBe('2');
  });
});
