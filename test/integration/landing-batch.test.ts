/**
 * Landing checks as jobs of their own: they survive a worker restart (a new worker ends the
 * checks the old one queued), and the looks of one beat share one List Objects walk (counted
 * at the Object Storage stand-in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed, startEmulator } from '../emulator/index.ts';
import {
  landingOf,
  pendingLandings,
  settledOutcomes,
  startLandingPipelineWorker,
} from '../helpers/landing.ts';
import { openPipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 30, systemBackups: 1, apis: ['vredis'] });
const requests = requestsFromSeed(seed);
const BY_KEY = { EXPORT_LANDING_KEY: '{instanceNo}/{fileName}' };

describe('landing checks as jobs', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ seed, objectStorage: { delayMs: 300, growMs: 300 } });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('survives a worker restart: a new worker ends the checks the old one queued', async () => {
    // Objects land long after the first worker stops.
    emulator.objectStorage!.configure({ delayMs: 6000, growMs: 300 });
    const pipeline = await openPipeline('landing-restart', emulator);
    try {
      const batch = requests.slice(0, 3);
      const first = startLandingPipelineWorker(pipeline, emulator, BY_KEY);
      await pipeline.producer.enqueue(batch);
      await waitFor('the exports accepted', async () => (await pipeline.outcomeCount()) === 3);
      await first.close();
      const before = await pipeline.outcomes();
      // Judged on the record: every check was still pending when the first worker stopped.
      expect(before.map((o) => o.landing?.state)).toEqual(['pending', 'pending', 'pending']);
      expect(await pendingLandings(pipeline)).toBe(3);

      const second = startLandingPipelineWorker(pipeline, emulator, BY_KEY);
      try {
        const outcomes = await settledOutcomes(pipeline, 3);
        expect(outcomes.map((o) => landingOf(o).state)).toEqual(['landed', 'landed', 'landed']);
        expect(await pendingLandings(pipeline)).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await pipeline.cleanup();
    }
  }, 90_000);

  it('answers the looks of a beat with one List Objects walk per bucket', async () => {
    emulator.objectStorage!.configure({ delayMs: 1500, growMs: 300 });
    const pipeline = await openPipeline('landing-batch', emulator);
    const worker = startLandingPipelineWorker(pipeline, emulator, {
      ...BY_KEY,
      // One beat a second, and every look of a beat gathered within 400 ms.
      EXPORT_LANDING_POLL_MS: '1000',
      EXPORT_LANDING_BATCH_MS: '400',
    });
    try {
      const before = emulator.objectStorage!.stats().list;
      const batch = requests.slice(3, 30);
      await pipeline.producer.enqueue(batch);
      const outcomes = await settledOutcomes(pipeline, batch.length);
      const lists = emulator.objectStorage!.stats().list - before;
      const looks = outcomes.reduce((sum, o) => sum + (landingOf(o).checks ?? 0), 0);
      expect(outcomes.every((o) => landingOf(o).state === 'landed')).toBe(true);
      // Each export was looked at twice or more; the walks answered them together. A walk is
      // one page here (27 keys), and a beat may split in two when the machine is slow.
      expect(looks).toBeGreaterThanOrEqual(2 * batch.length);
      const beats = Math.max(...outcomes.map((o) => landingOf(o).checks ?? 0));
      expect(lists).toBeLessThanOrEqual(2 * beats + 2);
      expect(lists / batch.length).toBeLessThan(0.5);
      expect(worker.landing!.storage.requests).toBe(lists);
    } finally {
      await worker.close();
      await pipeline.cleanup();
    }
  }, 90_000);
});
