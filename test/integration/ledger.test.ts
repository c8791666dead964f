/** The ledger against a real Redis: one record per job, counted once, whoever finishes it. */
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import type { Ledger } from '../../shared/ledger/index.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { openTestLedger, type TestLedger } from '../helpers/test-ledger.ts';

const outcome = (jobId: string, status: Outcome['status']): Outcome =>
  exportOutcome({ jobId, status, finishedAt: '2026-12-01T00:00:02.000Z' });

describe('ledger', () => {
  let t: TestLedger;
  let ledger: Ledger;
  let connection: Redis;

  beforeEach(() => {
    t = openTestLedger('ledger', { keepCompletedSeconds: 60, keepFailedSeconds: 120 });
    ({ ledger, connection } = t);
  });

  afterEach(() => t.close());

  it('keeps the first record of a job and counts a second finish as a repeat', async () => {
    expect(await ledger.recordExport(outcome('job-1', 'succeeded'))).toBe('recorded');
    expect(await ledger.recordExport(outcome('job-1', 'failed'))).toBe('repeat');
    expect(await ledger.exportOutcome('job-1')).toMatchObject({ status: 'succeeded' });
    expect(await ledger.totals()).toEqual({ exports: 1, discoveries: 0, repeats: 1 });
    expect(await ledger.retained()).toBe(1);
  });

  it('counts exactly one first finish among many at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.recordExport(outcome('job-2', i % 2 ? 'failed' : 'succeeded')),
      ),
    );
    expect(results.filter((r) => r === 'recorded')).toHaveLength(1);
    expect(await ledger.totals()).toEqual({ exports: 1, discoveries: 0, repeats: 19 });
  });

  it('repairs a record lost between its claim and its write, without counting it twice', async () => {
    await ledger.recordExport(outcome('job-3', 'failed'));
    // A worker that died after claiming: the claim stands, the record is gone.
    await ledger.queue.remove('job-3');
    expect(await ledger.unrecorded(['job-3', 'job-4'])).toEqual(['job-3', 'job-4']);
    expect(await ledger.recordExport(outcome('job-3', 'failed'))).toBe('repeat');
    expect(await ledger.exportOutcome('job-3')).toMatchObject({ jobId: 'job-3' });
    expect(await ledger.totals()).toMatchObject({ exports: 1, repeats: 1 });
  });

  it('keeps its claims as long as the export queue keeps finished jobs, plus a day', async () => {
    await ledger.recordExport(outcome('job-5', 'succeeded'));
    const [claim] = await connection.keys(`${t.prefix}:*claim*`);
    const ttl = await connection.pttl(claim!);
    expect(ttl).toBeGreaterThan((120 + 86_400 - 5) * 1000);
    expect(ttl).toBeLessThanOrEqual((120 + 86_400) * 1000);
  });

  it('tells the two kinds of record apart', async () => {
    await ledger.recordExport(outcome('exp', 'failed'));
    const discovery = { jobId: 'disc', status: 'partial', finishedAt: '2026-12-01T00:00:00.000Z' };
    expect(await ledger.recordDiscovery(discovery as DiscoveryOutcome)).toBe('recorded');
    expect(await ledger.kindOf('exp')).toBe('export');
    expect(await ledger.kindOf('disc')).toBe('discovery');
    expect(await ledger.kindOf('none')).toBeUndefined();
    expect(await ledger.exportOutcome('disc')).toBeUndefined();
    expect(await ledger.discoveryOutcome('exp')).toBeUndefined();
    const exports: string[] = [];
    for await (const o of ledger.exportOutcomes()) exports.push(o.jobId);
    expect(exports).toEqual(['exp']);
    expect((await ledger.discoveryOutcomes()).map((o) => o.jobId)).toEqual(['disc']);
    expect(await ledger.totals()).toEqual({ exports: 1, discoveries: 1, repeats: 0 });
  });
});
