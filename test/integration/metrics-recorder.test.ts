import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metricFields, metricsKey } from '../../shared/metrics.ts';
import { NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import { instrumentClient, MetricsRecorder } from '../../worker/metrics.ts';
import { deletePrefix, testRedisConfig, waitFor } from '../helpers/redis.ts';

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

  it('writes the counts of many calls in one command', async () => {
    // The connection's handshake and the script's first run (EVAL) out of the way.
    recorder.call('vredis', 500, 0.01);
    await recorder.flush();
    await redis.del(metricsKey(config.prefix));
    const sent = vi.spyOn(redis, 'sendCommand');
    recorder.call('vredis', 429, 0.02);
    recorder.call('vredis', 200, 0.03);
    recorder.call('vredis', 200, 0.04);
    expect(sent).not.toHaveBeenCalled();
    await recorder.flush();
    expect(sent.mock.calls.map(([command]) => command.name)).toEqual(['evalsha']);
    sent.mockRestore();

    const counts = await hash();
    expect(counts[metricFields.throttled('vredis')]).toBe('1');
    expect(counts[metricFields.callBucket('vredis', 200, 0.03)]).toBe('2');
    expect(counts[metricFields.callBucket('vredis', 429, 0.02)]).toBe('1');
    expect(Number(counts[metricFields.callSum('vredis', 200)])).toBeCloseTo(0.07, 6);
  });

  it('writes the counts of calls within a moment, unasked', async () => {
    recorder.call('vcache', undefined, 1.5);
    await waitFor('the call counted', async () => Object.keys(await hash()).length === 2, 2000, 10);
    expect((await hash())[metricFields.callBucket('vcache', undefined, 1.5)]).toBe('1');
  });

  it('adds to what other workers counted', async () => {
    const other = new MetricsRecorder(redis, config.prefix, pino({ level: 'silent' }));
    recorder.call('vredis', 400, 0.1);
    other.call('vredis', 400, 0.1);
    await Promise.all([recorder.flush(), other.flush()]);
    expect((await hash())[metricFields.callBucket('vredis', 400, 0.1)]).toBe('2');
  });

  it("counts discovery's list calls as it counts exports: a 429 of either is throttling", async () => {
    const answer = { httpStatus: 200 } as NcpResponse;
    const throttled = new NcpError({
      kind: 'throttled',
      code: '400',
      message: 'too many requests',
      httpStatus: 429,
    });
    const client = instrumentClient(
      {
        exportBackup: async () => answer,
        call: async (_api, action) => {
          if (action === 'getCloudCacheInstanceList') throw throttled;
          return answer;
        },
      },
      recorder,
    );
    await client.call('vredis', 'getCloudRedisInstanceList', {});
    await expect(client.call('vcache', 'getCloudCacheInstanceList', {})).rejects.toBe(throttled);
    await recorder.flush();
    const counts = await hash();
    expect(counts[metricFields.throttled('vcache')]).toBe('1');
    expect(Object.keys(counts).filter((field) => field.includes('vredis'))).not.toHaveLength(0);
  });
});
