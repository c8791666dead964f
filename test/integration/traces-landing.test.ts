/**
 * A landing check belongs to its export's trace: the check is queued inside the attempt that
 * NCP accepted, and each look at the bucket is a `landing check` span in that trace, the last
 * one saying how it ended. A worker process with OTEL_* set sends to a local OTLP receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, generateSeed, startEmulator } from '../emulator/index.ts';
import { landingEnv, settledOutcomes } from '../helpers/landing.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { startWorkerProcess, stopWorkerProcess } from '../helpers/worker-process.ts';

const seed = generateSeed({ instances: 1, systemBackups: 1, apis: ['vredis'] });

describe('landing checks in the export trace', () => {
  let emulator: Emulator;
  let receiver: OtlpReceiver;
  let pipeline: Pipeline;

  beforeAll(async () => {
    emulator = await startEmulator({
      seed,
      objectStorage: { delayMs: 300, growMs: 300, neverRate: 0, truncatedRate: 0 },
    });
    receiver = await startOtlpReceiver();
    pipeline = await openPipeline('traces-landing', emulator);
  });

  afterAll(async () => {
    await pipeline?.cleanup();
    await receiver?.close();
    await emulator?.close();
  });

  it('traces every look at the bucket as a child of the accepted export', async () => {
    await pipeline.producer.enqueue(requestsFromSeed(seed));
    const worker = await startWorkerProcess(
      pipeline.workerEnv({
        ...landingEnv(emulator, { EXPORT_LANDING_KEY: '{instanceNo}/{fileName}' }),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    );
    try {
      const [outcome] = await settledOutcomes(pipeline, 1);
      expect(outcome?.landing?.state).toBe('landed');
    } finally {
      // The worker sends what it buffered when it stops.
      expect(await stopWorkerProcess(worker)).toEqual({ code: 0, signal: null });
    }

    const spans = receiver.spans();
    const attempt = spans.find((span) => span.name === 'export attempt');
    const looks = spans.filter((span) => span.name === 'landing check');
    expect(attempt).toBeDefined();
    expect(looks.length).toBeGreaterThan(0);
    for (const look of looks) {
      expect(look.traceId).toBe(attempt!.traceId);
      expect(look.attributes['ncp_cache_export.job_id']).toBe(
        attempt!.attributes['ncp_cache_export.job_id'],
      );
    }
    const states = looks.map((look) => look.attributes['ncp_cache_export.landing.state']);
    expect(states.filter((state) => state !== undefined)).toEqual(['landed']);
  });
});
