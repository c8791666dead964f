/**
 * Transient faults and throttling end in success; throttled calls use up no attempts.
 * One worker in the test process, the real NCP client, the emulator on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, type FaultName, generateSeed, startEmulator } from '../emulator/index.ts';
import {
  openPipeline,
  type Pipeline,
  requestsFromSeed,
  startInProcessWorker,
} from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 10, systemBackups: 2 });
const requests = requestsFromSeed(seed);

describe('faults and throttling', () => {
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;

  beforeEach(async () => {
    emulator = await startEmulator({ seed });
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await pipeline?.cleanup();
    await emulator?.close();
  });

  async function runAll(env: Record<string, string>, maxAttempts = 8): Promise<Outcome[]> {
    pipeline = await openPipeline('faults', emulator, { maxAttempts });
    await pipeline.producer.enqueue(requests);
    worker = startInProcessWorker(pipeline, { WORKER_CONCURRENCY: '4', ...env });
    await waitFor(
      `${requests.length} outcomes`,
      async () => (await pipeline.outcomeCount()) >= requests.length,
      25_000,
      100,
    );
    return pipeline.outcomes();
  }

  it('retries 500, 503, 504, service code 1000, resets and timeouts until every export succeeds', async () => {
    const schedule: FaultName[] = [
      'http500',
      'http503',
      'http504',
      'service1000',
      'reset',
      'slow',
      'malformed',
    ];
    const transient = schedule.filter((fault) => fault !== 'malformed');
    emulator.configure({ faults: { schedule: [...transient, ...transient], slowMs: 1500 } });
    // At most 12 faults in all, so 13 attempts guarantee success whatever their order.
    const outcomes = await runAll({ NCP_TIMEOUT_MS: '400', NCP_RATE_LIMIT: '100' }, 13);

    expect(outcomes).toHaveLength(requests.length);
    expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(requests.length);
    const stats = emulator.stats();
    for (const fault of transient) expect(stats.faults[fault]).toBe(2);
    // A slow answer whose caller timed out and left is not accepted by the emulator.
    expect(stats.accepted).toBe(requests.length);
    // Every fault cost its job one attempt: attempts beyond the first add up to the faults.
    const retries = outcomes.reduce((sum, o) => sum + o.attempts - 1, 0);
    expect(retries).toBe(transient.length * 2);
  });

  it('fails a malformed answer at once as a protocol error', async () => {
    emulator.configure({ faults: { schedule: ['malformed'] } });
    const outcomes = await runAll({ NCP_RATE_LIMIT: '100' });
    const failed = outcomes.filter((o) => o.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 1, error: { kind: 'protocol', retryable: false } });
  });

  it.each([
    ['with Retry-After', 1 as const],
    ['without Retry-After', 'none' as const],
  ])('rides out 429s %s without using attempts', async (_label, retryAfter) => {
    // NCP's real limit is below the configured one.
    emulator.configure({ rateLimit: 8, retryAfter });
    const outcomes = await runAll({
      NCP_RATE_LIMIT: '16',
      NCP_RATE_GUARD_MS: '0',
      WORKER_CONCURRENCY: '16',
    });

    expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(requests.length);
    expect(outcomes.every((o) => o.attempts === 1)).toBe(true);
    const stats = emulator.stats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.requests).toBe(stats.accepted + stats.throttled);
    // NCP's limit itself is the emulator's to keep (it refused what came over it); counting its
    // acceptances per second here would time the test process's event loop, not the product.
    expect(stats.accepted).toBe(requests.length);
  });

  it('fails with kind throttled once the throttle wait bound is spent', async () => {
    emulator.configure({ rateLimit: 1, retryAfter: 5 });
    const outcomes = await runAll(
      { NCP_RATE_LIMIT: '50', EXPORT_THROTTLE_MAX_WAIT_MS: '100', EXPORT_BACKOFF_MAX_MS: '100' },
      1,
    );
    const failed = outcomes.filter((o) => o.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed) {
      expect(outcome).toMatchObject({ attempts: 1, error: { kind: 'throttled', retryable: true } });
    }
    // The calls NCP throttled carry its answer; the jobs that waited on the pause say so.
    const codes = new Set(failed.map((o) => `${o.httpStatus}/${o.error?.code}`));
    expect([...codes].every((code) => code === '429/420' || code === 'null/PAUSED')).toBe(true);
    expect(codes.has('429/420')).toBe(true);
    expect(outcomes.filter((o) => o.status === 'succeeded').length).toBeLessThan(requests.length);
  });
});
