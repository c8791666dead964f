/**
 * Ninety seconds of a stormy NCP: its real limit below the configured one (429s, with and
 * without Retry-After, switching every 10 s), 500/503/504, service code 1000, resets and slow
 * answers. Every export must succeed within its attempts, and no second may carry more calls
 * than the configured limit: judged on the limiter's own record (when it booked each call as
 * sent, on Redis' clock), not on when the emulator's event loop, lagging on a busy machine,
 * counted the calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSeed } from '../emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../helpers/emulator-process.ts';
import { mostWithin, watchLimiterRecord } from '../helpers/limiter-record.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';
import { report } from './report.ts';

const seed = generateSeed({ instances: 1500, systemBackups: 2 });
const requests = requestsFromSeed(seed);
const LIMIT = 50;
const NCP_LIMIT = 40;

describe('emulator storm', () => {
  let emulator: EmulatorProcess;
  let pipeline: Pipeline;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    const faults = [
      'http500=0.04',
      'http503=0.04',
      'http504=0.03',
      'service1000=0.04',
      'reset=0.03',
      'slow=0.02',
    ];
    emulator = await startEmulatorProcess(seed, [
      ...['--latency', '20', '--rate', String(NCP_LIMIT), '--slow-ms', '3000'],
      ...faults.flatMap((fault) => ['--fault', fault]),
    ]);
    pipeline = await openPipeline('chaos-storm', emulator, { maxAttempts: 12 });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('ends every export in success, never above the limit', async () => {
    const started = Date.now();
    await pipeline.producer.enqueue(requests);
    const record = await watchLimiterRecord(pipeline.redisUrl, pipeline.prefix);
    const env = pipeline.workerEnv({
      NCP_RATE_LIMIT: String(LIMIT),
      NCP_RATE_GUARD_MS: '50',
      WORKER_CONCURRENCY: '16',
      NCP_TIMEOUT_MS: '1000',
      EXPORT_BACKOFF_BASE_MS: '200',
      EXPORT_BACKOFF_MAX_MS: '5000',
    });
    for (let i = 0; i < 3; i++) workers.push(await startWorkerProcess(env));

    let withRetryAfter = false;
    const toggle = setInterval(() => {
      withRetryAfter = !withRetryAfter;
      void emulator.configure({ retryAfter: withRetryAfter ? 1 : 'none' });
    }, 10_000);
    try {
      await waitFor(
        `${requests.length} outcomes`,
        async () => (await pipeline.outcomeCount()) >= requests.length,
        400_000,
        1000,
      );
    } finally {
      clearInterval(toggle);
    }
    const outcomes = await pipeline.outcomes();
    const stats = await emulator.stats();
    const booked = await record.stop();
    report('emulator-storm', {
      exports: requests.length,
      outcomes: outcomes.length,
      succeeded: outcomes.filter((o) => o.status === 'succeeded').length,
      maxAttemptsUsed: Math.max(...outcomes.map((o) => o.attempts)),
      requests: stats.requests,
      throttled: stats.throttled,
      faults: Object.values(stats.faults).reduce((a, b) => a + b, 0),
      maxBookedPerSecond: mostWithin(booked, 1000),
      maxPerSecond: stats.maxPerSecond,
      maxAcceptedPerSecond: stats.maxAcceptedPerSecond,
      callsTwice: stats.duplicates,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    expect(outcomes).toHaveLength(requests.length);
    // Counted as each finished: a lost or a second finish of a job would show here.
    expect((await pipeline.producer.ledger.totals()).exports).toBe(requests.length);
    expect(outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(requests.length);
    expect(stats.throttled).toBeGreaterThan(0);
    // Every call that reached NCP is in the record (one that failed before it was written is
    // booked too), so the record is complete; no second of it holds more than the limit.
    expect(booked.length).toBeGreaterThanOrEqual(stats.requests);
    expect(mostWithin(booked, 1000)).toBeLessThanOrEqual(LIMIT);
  });
});
