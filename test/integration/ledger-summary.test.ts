/** The ledger's per-instance summary against a real Redis: kept by first records only, bounded. */
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../shared/ledger/index.ts';
import { SUMMARY_DAYS, summaryKey } from '../../shared/ledger/summary.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { openTestLedger, type TestLedger } from '../helpers/test-ledger.ts';

const DAY_MS = 86_400_000;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

describe('ledger summary', () => {
  let t: TestLedger;
  let ledger: Ledger;
  let connection: Redis;

  beforeEach(() => {
    t = openTestLedger('summary', { keepCompletedSeconds: 60, keepFailedSeconds: 60 });
    ({ ledger, connection } = t);
  });

  afterEach(() => t.close());

  it('keeps the last success and last failure of each instance, from first records only', async () => {
    await ledger.recordExport(
      exportOutcome({ jobId: 'a1', status: 'succeeded', finishedAt: '2026-12-01T01:00:00.000Z' }),
    );
    await ledger.recordExport(
      exportOutcome({
        jobId: 'a2',
        status: 'failed',
        fileName: '20240703',
        finishedAt: '2026-12-02T01:00:00.000Z',
        kind: 'auth',
        message: 'bad key',
      }),
    );
    // A repeat of a2 (a second finish of the same job) changes nothing, even with other data.
    expect(
      await ledger.recordExport(
        exportOutcome({ jobId: 'a2', status: 'succeeded', finishedAt: '2026-12-03T00:00:00Z' }),
      ),
    ).toBe('repeat');
    // An older success recorded late does not replace the newer one.
    await ledger.recordExport(
      exportOutcome({
        jobId: 'a0',
        status: 'succeeded',
        fileName: '20240630',
        finishedAt: '2026-11-30T01:00:00.000Z',
      }),
    );
    await ledger.recordExport(
      exportOutcome({
        jobId: 'b1',
        status: 'failed',
        instanceNo: '999',
        api: 'vcache',
        finishedAt: '2026-12-02T02:00:00.000Z',
      }),
    );

    const summaries = await all(ledger.instanceSummaries());
    // Never exported first, then by the age of the last success.
    expect(summaries.map((s) => s.instanceNo)).toEqual(['999', '1234511']);
    expect(summaries[1]).toEqual({
      api: 'vredis',
      regionCode: 'KR',
      instanceNo: '1234511',
      lastSuccess: {
        at: '2026-12-01T01:00:00.000Z',
        fileName: '20240702',
        bucketName: 'cache-backup',
        jobId: 'a1',
      },
      lastFailure: {
        at: '2026-12-02T01:00:00.000Z',
        kind: 'auth',
        code: '500',
        message: 'bad key',
        jobId: 'a2',
      },
      days: {
        '2026-11-30': { runs: 1, failed: 0 },
        '2026-12-01': { runs: 1, failed: 0 },
        '2026-12-02': { runs: 1, failed: 1 },
      },
    });
    expect(summaries[0]).toMatchObject({ api: 'vcache', lastSuccess: null });

    const cutoff = Date.parse('2026-12-01T12:00:00Z');
    expect(await ledger.coverage(cutoff)).toEqual({
      instances: 2,
      stale: 2,
      oldestSuccessMs: Date.parse('2026-12-01T01:00:00.000Z'),
    });
    expect((await ledger.coverage(cutoff - DAY_MS)).stale).toBe(1);
    const stale = await all(ledger.instanceSummaries({ staleBeforeMs: cutoff - DAY_MS }));
    expect(stale.map((s) => s.instanceNo)).toEqual(['999']);
  });

  it(`keeps runs for ${SUMMARY_DAYS} days, not one field per run`, async () => {
    const start = Date.parse('2026-10-01T06:00:00Z');
    let n = 0;
    for (let day = 0; day < 60; day += 1) {
      for (let run = 0; run < 3; run += 1) {
        n += 1;
        await ledger.recordExport(
          exportOutcome({
            jobId: `j${n}`,
            status: run === 0 ? 'failed' : 'succeeded',
            finishedAt: new Date(start + day * DAY_MS + run * 1000).toISOString(),
          }),
        );
      }
    }
    const [summary] = await all(ledger.instanceSummaries());
    const days = Object.keys(summary!.days).sort();
    expect(days).toHaveLength(SUMMARY_DAYS);
    expect(days.at(-1)).toBe(new Date(start + 59 * DAY_MS).toISOString().slice(0, 10));
    expect(summary!.days[days[0]!]).toEqual({ runs: 3, failed: 1 });
    const fields = await connection.hlen(summaryKey(t.prefix, 'vredis~KR~1234511'));
    expect(fields).toBeLessThanOrEqual(2 * SUMMARY_DAYS + 14);
  });

  it('rebuilds the summaries from the records retained, once', async () => {
    for (const [i, status] of (['succeeded', 'failed', 'succeeded'] as const).entries()) {
      await ledger.recordExport(
        exportOutcome({
          jobId: `r${i}`,
          status,
          instanceNo: String(100 + i),
          finishedAt: '2026-12-01T00:00:00.000Z',
        }),
      );
    }
    const before = await all(ledger.instanceSummaries());
    // Records written before summaries existed: no summary at all.
    await connection.del(`${t.prefix}:cache-export-results-summary-index`);
    expect(await all(ledger.instanceSummaries())).toEqual([]);
    expect(await ledger.rebuildSummaries()).toBe(3);
    expect(await ledger.rebuildSummaries()).toBe(3);
    const after = await all(ledger.instanceSummaries());
    expect(after).toEqual(before);
  });
});
