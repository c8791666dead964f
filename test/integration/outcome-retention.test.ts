import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTCOME_JOB_NAME } from '../../shared/contract.ts';
import { Ledger } from '../../shared/ledger/index.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

describe('outcome retention', () => {
  const redis = testRedisConfig('retention');
  let connection: Redis;
  let ledger: Ledger;

  beforeEach(() => {
    connection = new Redis(redis.url);
    const policy = { keepCompletedSeconds: 60, keepFailedSeconds: 60 };
    ledger = new Ledger({ connection, prefix: redis.prefix, policy });
  });

  afterEach(async () => {
    await ledger.close();
    connection.disconnect();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('removes outcomes older than the limit and keeps the rest', async () => {
    const day = 86_400_000;
    const now = Date.now();
    const ages = [10 * day, 8 * day, 6 * day, 1 * day, 0];
    // Records of other ages than now can only be made by hand.
    await ledger.queue.addBulk(
      ages.map((age, i) => ({
        name: OUTCOME_JOB_NAME,
        data: { n: i },
        opts: { jobId: `outcome-${i}`, timestamp: now - age },
      })),
    );
    expect(await ledger.prune(7 * 86_400)).toBe(2);
    const left = await ledger.queue.getJobs(['wait'], 0, -1, true);
    expect(left.map((job) => job.id).sort()).toEqual(['outcome-2', 'outcome-3', 'outcome-4']);
  });
});
