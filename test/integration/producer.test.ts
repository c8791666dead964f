/** The producer library: validation before anything is added, and exact duplicate reports. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExportProducer } from '../../producer/producer.ts';
import { ContractError } from '../../shared/contract.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

const request = {
  api: 'vredis',
  instanceNo: '1001',
  fileName: '20240701',
  bucketName: 'cache-backup',
};

describe('ExportProducer', () => {
  const redis = testRedisConfig('producer');
  let producer: ExportProducer;

  beforeEach(async () => {
    producer = await ExportProducer.connect({
      redis,
      policy: {
        maxAttempts: 8,
        keepCompletedSeconds: 60,
        keepFailedSeconds: 60,
        keepOutcomesSeconds: undefined,
      },
      defaultRegion: 'KR',
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await producer.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('reports a repeat as a duplicate even when both calls fall in the same millisecond', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-26T00:00:00Z'));
    const [first] = await producer.enqueue([request]);
    const [second] = await producer.enqueue([request]);
    expect(first).toMatchObject({
      added: true,
      jobId: 'vredis~KR~1001~SYSTEM~20240701~cache-backup',
    });
    expect(second).toMatchObject({ added: false, jobId: first!.jobId });
    expect(await producer.queue.count()).toBe(1);
  });

  it('reports a repeat within one call as a duplicate', async () => {
    const results = await producer.enqueue([request, { ...request, meta: { other: 1 } }]);
    expect(results.map((r) => r.added)).toEqual([true, false]);
  });

  it('adds nothing when any request is invalid, naming each by index and field', async () => {
    const error = await producer
      .enqueue([request, { ...request, bucketName: 'B' }, { ...request, api: 'x' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).issues.map((i) => i.field)).toEqual([
      '[1].bucketName',
      '[2].api',
    ]);
    expect(await producer.queue.count()).toBe(0);
  });
});
