/**
 * Landing checks against the emulator and its Object Storage stand-in over HTTP, with a real
 * Redis: accepted exports go from `pending` to `landed` (key, size, ETag, time), a growing
 * object is waited for, one that never settles is `not-landed` with what was seen, checks are
 * `not-checked` without Object Storage, and no secret reaches an outcome or Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRequestInput } from '../../shared/contract.ts';
import { metricsKey } from '../../shared/metric-fields.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  startEmulator,
} from '../emulator/index.ts';
import {
  landingOf,
  pendingLandings,
  settledOutcomes,
  startLandingPipelineWorker,
} from '../helpers/landing.ts';
import {
  openPipeline,
  type Pipeline,
  requestsFromSeed,
  startInProcessWorker,
} from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { dumpPrefix } from '../helpers/redis-dump.ts';

const seed = generateSeed({ instances: 6, systemBackups: 1, apis: ['vredis', 'vcache'] });
const requests = requestsFromSeed(seed);
const sizeOf = (request: ExportRequestInput) =>
  seed.instances
    .find((i) => i.instanceNo === request.instanceNo)!
    .backups.find((b) => b.fileName === request.fileName)!.backupSize;

const STAND_IN = { delayMs: 300, growMs: 800, neverRate: 0, truncatedRate: 0 };
/** Every file name of the seed is the same date: a search alone cannot tell instances apart. */
const BY_KEY = { EXPORT_LANDING_KEY: '{instanceNo}/{fileName}' };

describe('landing checks', () => {
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ seed, objectStorage: STAND_IN });
  });
  afterEach(async () => {
    emulator.objectStorage!.configure(STAND_IN);
    await worker?.close();
    worker = undefined;
    await pipeline?.cleanup();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('records accepted exports as landed once the object settled, with key, size and ETag', async () => {
    emulator.objectStorage!.configure({
      delayMs: 300,
      growMs: 800,
      neverRate: 0,
      truncatedRate: 0,
    });
    pipeline = await openPipeline('landing-landed', emulator);
    worker = startLandingPipelineWorker(pipeline, emulator);
    const batch = requests.slice(0, 2);
    await pipeline.producer.enqueue(batch);
    const outcomes = await settledOutcomes(pipeline, batch.length);
    for (const outcome of outcomes) {
      const request = outcome.request as ExportRequestInput;
      expect(outcome.status).toBe('succeeded');
      expect(outcome.schemaVersion).toBe(2);
      const landing = landingOf(outcome);
      expect(landing).toMatchObject({
        state: 'landed',
        key: `${request.instanceNo}/${request.fileName}`,
        // The whole backup: the check waited for the growing object to settle.
        size: sizeOf(request),
        // No template: a search for the file name, the key naming the instance preferred.
        looked: expect.stringMatching(new RegExp(`^search \\*${request.fileName}\\* `)),
      });
      expect(landing.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(Date.parse(landing.lastModified!)).toBeGreaterThan(0);
      expect(landing.landedAfterMs).toBeGreaterThanOrEqual(0);
      expect(landing.checks).toBeGreaterThanOrEqual(2);
    }
    // Landings are counted once, and are not new outcomes.
    const totals = await pipeline.producer.ledger.totals();
    expect(totals).toEqual({ exports: batch.length, discoveries: 0, repeats: 0 });
    const counters = await pipeline.producer.redis.hgetall(metricsKey(pipeline.prefix));
    expect(Number(counters['l|landed'])).toBe(batch.length);
    expect(await pendingLandings(pipeline)).toBe(0);
    // The instance's summary says where its last success landed.
    const summaries = [];
    for await (const summary of pipeline.producer.ledger.instanceSummaries())
      summaries.push(summary);
    const first = batch[0]!;
    const summary = summaries.find((s) => s.instanceNo === first.instanceNo)!;
    expect(summary.lastSuccess?.landing).toEqual({
      state: 'landed',
      key: `${first.instanceNo}/${first.fileName}`,
    });
  }, 90_000);

  it('waits for a copy that stopped short to settle, and reports the size it has', async () => {
    emulator.objectStorage!.configure({ delayMs: 200, growMs: 600, truncatedRate: 1 });
    pipeline = await openPipeline('landing-truncated', emulator);
    worker = startLandingPipelineWorker(pipeline, emulator, BY_KEY);
    const request = requests[2]!;
    await pipeline.producer.enqueue([request]);
    const [outcome] = await settledOutcomes(pipeline, 1);
    expect(landingOf(outcome!)).toMatchObject({
      state: 'landed',
      size: Math.floor(sizeOf(request) / 2),
      looked: `key ${request.instanceNo}/${request.fileName}`,
    });
  }, 90_000);

  it('reports not-landed after the timeout, with what it saw', async () => {
    pipeline = await openPipeline('landing-never', emulator);
    worker = startLandingPipelineWorker(pipeline, emulator, {
      ...BY_KEY,
      EXPORT_LANDING_TIMEOUT: '2s',
    });
    // One export that never lands, one that is still growing when the time is up.
    emulator.objectStorage!.configure({ delayMs: 0, growMs: 0, neverRate: 1 });
    await pipeline.producer.enqueue([requests[3]!]);
    // Accepted (its outcome written) before the stand-in's settings change again.
    await waitFor('the first export accepted', async () => (await pipeline.outcomeCount()) >= 1);
    emulator.objectStorage!.configure({ delayMs: 0, growMs: 600_000, neverRate: 0 });
    await pipeline.producer.enqueue([requests[4]!]);
    const outcomes = await settledOutcomes(pipeline, 2);
    const byInstance = new Map(
      outcomes.map((o) => [(o.request as ExportRequestInput).instanceNo, landingOf(o)]),
    );
    const never = byInstance.get(requests[3]!.instanceNo)!;
    expect(never).toMatchObject({ state: 'not-landed', seen: [] });
    expect(never.checks).toBeGreaterThanOrEqual(1);
    const growing = byInstance.get(requests[4]!.instanceNo)!;
    expect(growing.state).toBe('not-landed');
    expect(growing.seen).toHaveLength(1);
    expect(growing.seen![0]!.key).toBe(`${requests[4]!.instanceNo}/${requests[4]!.fileName}`);
    expect(growing.seen![0]!.size).toBeLessThan(sizeOf(requests[4]!));
    const counters = await pipeline.producer.redis.hgetall(metricsKey(pipeline.prefix));
    expect(Number(counters['l|not-landed'])).toBe(2);
  }, 90_000);

  it('reports not-landed with the error when Object Storage cannot be reached', async () => {
    pipeline = await openPipeline('landing-unreachable', emulator);
    worker = startLandingPipelineWorker(pipeline, emulator, {
      ...BY_KEY,
      // Nothing listens on port 1: every look fails.
      OBJECT_STORAGE_URL: 'http://127.0.0.1:1',
      EXPORT_LANDING_TIMEOUT: '2s',
    });
    await pipeline.producer.enqueue([requests[0]!]);
    const [outcome] = await settledOutcomes(pipeline, 1);
    const landing = landingOf(outcome!);
    expect(landing).toMatchObject({ state: 'not-landed', seen: [] });
    expect(landing.error).toMatch(/ECONNREFUSED|connect/i);
    expect(landing.error).not.toContain(DEFAULT_CREDENTIALS.secretKey);
  }, 90_000);

  it('says not-checked when no Object Storage is configured, and queues no check', async () => {
    pipeline = await openPipeline('landing-off', emulator);
    worker = startInProcessWorker(pipeline);
    await pipeline.producer.enqueue([requests[5]!]);
    const [outcome] = await settledOutcomes(pipeline, 1);
    expect(outcome!.landing).toEqual({ state: 'not-checked' });
    expect(await pendingLandings(pipeline)).toBe(0);
  }, 90_000);

  it('keeps the key pair out of outcomes and Redis', async () => {
    pipeline = await openPipeline('landing-secret', emulator);
    worker = startLandingPipelineWorker(pipeline, emulator, BY_KEY);
    await pipeline.producer.enqueue(requests.slice(0, 1));
    const outcomes = await settledOutcomes(pipeline, 1);
    expect(JSON.stringify(outcomes)).not.toContain(DEFAULT_CREDENTIALS.secretKey);
    const dump = await dumpPrefix(pipeline.redisUrl, pipeline.prefix);
    expect(dump.keys).toBeGreaterThan(0);
    expect(dump.text).not.toContain(DEFAULT_CREDENTIALS.secretKey);
  }, 90_000);
});
