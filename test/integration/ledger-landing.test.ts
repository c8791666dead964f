/**
 * Landing results in the ledger against a real Redis: the record is updated in place, counted
 * once under the landing counters however often the check ends, never as a new outcome, and the
 * instance's summary follows its last success only.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../shared/ledger/index.ts';
import { metricsKey } from '../../shared/metric-fields.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

describe('ledger landing updates', () => {
  const redis = testRedisConfig('ledger-landing');
  let connection: Redis;
  let ledger: Ledger;

  beforeEach(() => {
    connection = new Redis(redis.url);
    ledger = new Ledger({
      connection,
      prefix: redis.prefix,
      policy: { keepCompletedSeconds: 60, keepFailedSeconds: 120 },
    });
  });

  afterEach(async () => {
    await ledger.close();
    connection.disconnect();
    await deletePrefix(redis.url, redis.prefix);
  });

  const accepted = (jobId: string, finishedAt: string) => ({
    ...exportOutcome({ jobId, status: 'succeeded', finishedAt }),
    landing: { state: 'pending' as const },
  });

  it('updates the record in place and counts a landing once, not as an outcome', async () => {
    await ledger.recordExport(accepted('old', '2026-12-01T03:00:00.000Z'));
    await ledger.recordExport(accepted('new', '2026-12-02T03:00:00.000Z'));
    const landed = {
      state: 'landed' as const,
      key: '1234511/20240702',
      size: 10,
      landedAfterMs: 42_000,
    };
    expect(await ledger.updateLanding('new', landed)).toBe('updated');
    // The same check ending again (its worker died after counting) rewrites, counts nothing.
    expect(await ledger.updateLanding('new', landed)).toBe('repeat');
    expect(await ledger.updateLanding('old', { state: 'not-landed', seen: [] })).toBe('updated');
    expect(await ledger.updateLanding('no-such-job', landed)).toBe('missing');

    expect(await ledger.exportOutcome('new')).toMatchObject({
      status: 'succeeded',
      landing: landed,
    });
    expect(await ledger.totals()).toEqual({ exports: 2, discoveries: 0, repeats: 0 });
    expect(await ledger.retained()).toBe(2);
    const counters = await connection.hgetall(metricsKey(redis.prefix));
    expect(counters).toMatchObject({ 'l|landed': '1', 'l|not-landed': '1', ls: '42000' });
    // 42 s falls in the histogram's bucket `le 60` (index 3).
    expect(counters['lb|3']).toBe('1');

    // The summary follows the instance's last success ('new'), not the older one.
    const summaries = [];
    for await (const summary of ledger.instanceSummaries()) summaries.push(summary);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.lastSuccess).toMatchObject({
      jobId: 'new',
      landing: { state: 'landed', key: '1234511/20240702' },
    });
  });

  it('marks a new success pending in the summary until its check ends', async () => {
    await ledger.recordExport(accepted('first', '2026-12-01T03:00:00.000Z'));
    await ledger.updateLanding('first', { state: 'landed', key: 'k1', size: 1 });
    await ledger.recordExport(accepted('second', '2026-12-02T03:00:00.000Z'));
    const summaries = [];
    for await (const summary of ledger.instanceSummaries()) summaries.push(summary);
    expect(summaries[0]!.lastSuccess).toMatchObject({
      jobId: 'second',
      landing: { state: 'pending' },
    });
    expect(summaries[0]!.lastSuccess!.landing).not.toHaveProperty('key');
  });
});
