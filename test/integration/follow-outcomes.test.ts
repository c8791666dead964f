/**
 * `results --follow` reads the results queue's event stream through BullMQ's QueueEvents,
 * which needs a connection of its own that never gives up on a command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportProducer } from '../../producer/producer.ts';
import type { Outcome } from '../../shared/contract.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { deletePrefix, testRedisConfig, waitFor } from '../helpers/redis.ts';

const outcome = (jobId: string, status: Outcome['status']): Outcome =>
  exportOutcome({ jobId, status, finishedAt: new Date().toISOString() });

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
    const { ledger } = producer;
    await ledger.recordExport(outcome('before', 'failed'));
    const from = await ledger.position();
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const o of ledger.followExportOutcomes({ status: 'failed' }, stop.signal, from)) {
        seen.push(o.jobId);
      }
    })();
    await ledger.recordExport(outcome('ok', 'succeeded'));
    await ledger.recordDiscovery({ jobId: 'disc', status: 'failed' } as DiscoveryOutcome);
    await ledger.recordExport(outcome('bad', 'failed'));
    await waitFor('the failed outcome', () => seen.length > 0, 5000);
    stop.abort();
    await following;
    expect(seen).toEqual(['bad']);
  });
});
