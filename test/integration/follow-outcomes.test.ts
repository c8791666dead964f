/**
 * `results --follow` reads the results queue's event stream through BullMQ's QueueEvents,
 * which needs a connection of its own that never gives up on a command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStreamPosition, followOutcomes } from '../../producer/outcomes.ts';
import { ExportProducer } from '../../producer/producer.ts';
import type { Outcome } from '../../shared/contract.ts';
import { deletePrefix, testRedisConfig, waitFor } from '../helpers/redis.ts';

const outcome = (jobId: string, status: Outcome['status']): Outcome => ({
  jobId,
  request: {
    api: 'vredis',
    instanceNo: '1',
    fileName: 'f',
    bucketName: 'bbb',
    backupTypeMode: 'SYSTEM',
  },
  status,
  attempts: 1,
  httpStatus: 200,
  requestId: null,
  returnCode: null,
  returnMessage: null,
  error: null,
  enqueuedAt: new Date().toISOString(),
  startedAt: new Date().toISOString(),
  finishedAt: new Date().toISOString(),
  meta: {},
});

describe('following outcomes', () => {
  const redis = testRedisConfig('follow');
  let producer: ExportProducer;

  beforeAll(async () => {
    producer = await ExportProducer.connect({
      redis,
      policy: {
        maxAttempts: 1,
        keepCompletedSeconds: 60,
        keepFailedSeconds: 60,
        keepOutcomesSeconds: undefined,
      },
    });
  });

  afterAll(async () => {
    await producer?.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('yields the outcomes written after it started that match, until aborted', async () => {
    const results = producer.resultsQueue;
    await results.add('outcome', outcome('before', 'failed'), { jobId: 'before' });
    const from = await eventStreamPosition(producer.redis, results);
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const o of followOutcomes(results, { status: 'failed' }, stop.signal, from)) {
        seen.push(o.jobId);
      }
    })();
    await results.add('outcome', outcome('ok', 'succeeded'), { jobId: 'ok' });
    await results.add('discovery-outcome', { jobId: 'disc', status: 'failed' }, { jobId: 'disc' });
    await results.add('outcome', outcome('bad', 'failed'), { jobId: 'bad' });
    await waitFor('the failed outcome', () => seen.length > 0, 5000);
    stop.abort();
    await following;
    expect(seen).toEqual(['bad']);
  });
});
