import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTCOME_JOB_NAME, RESULTS_QUEUE } from '../../shared/contract.ts';
import { pruneOutcomes } from '../../worker/outcome-retention.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

describe('outcome retention', () => {
  const redis = testRedisConfig('retention');
  let queue: Queue;

  beforeEach(() => {
    queue = new Queue(RESULTS_QUEUE, { connection: { url: redis.url }, prefix: redis.prefix });
  });

  afterEach(async () => {
    await queue.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('removes outcomes older than the limit and keeps the rest', async () => {
    const day = 86_400_000;
    const now = Date.now();
    const ages = [10 * day, 8 * day, 6 * day, 1 * day, 0];
    await queue.addBulk(
      ages.map((age, i) => ({
        name: OUTCOME_JOB_NAME,
        data: { n: i },
        opts: { jobId: `outcome-${i}`, timestamp: now - age },
      })),
    );
    expect(await pruneOutcomes(queue, 7 * 86_400)).toBe(2);
    const left = await queue.getJobs(['wait'], 0, -1, true);
    expect(left.map((job) => job.id).sort()).toEqual(['outcome-2', 'outcome-3', 'outcome-4']);
  });
});
