/**
 * Traces of a discovery, with a worker in the test process and an in-memory exporter: the
 * discovery's list calls are spans of its job, and each export it enqueues starts a trace of
 * its own, linked to the discovery, that its attempt and NCP call continue.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, stopTracing } from '../../shared/tracing.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed, startEmulator } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { openPipeline, type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 2, systemBackups: 1, apis: ['vredis'] });

describe('traces of a discovery', () => {
  const exporter = new InMemorySpanExporter();
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({ seed });
    pipeline = await openPipeline('traces-discovery', emulator);
    await startTracing({ OTEL_TRACES_EXPORTER: 'otlp' }, 'ncp-cache-export-worker', {
      spanExporter: exporter,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await stopTracing();
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('links the trace of each export it enqueues to the discovery', async () => {
    worker = startInProcessWorker(pipeline, { NCP_RATE_LIMIT: '1000' });
    const env = { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, NCP_REGION: 'KR' };
    const run = await runCli(['discover', '--api', 'vredis', '--bucket', 'cache-backup'], env);
    expect(run.code).toBe(0);
    await waitFor('2 export outcomes', async () => (await pipeline.outcomeCount()) >= 3, 30_000);
    await waitFor(
      'both jobs completed',
      async () => spansNamed('process cache-export').length >= 2,
      10_000,
    );

    const [discovery] = spansNamed('process cache-export-discovery');
    expect(discovery).toBeDefined();
    const discoveryTrace = discovery!.spanContext().traceId;
    const lists = exporter.getFinishedSpans().filter((span) => span.name.startsWith('ncp GET get'));
    expect(lists.length).toBeGreaterThanOrEqual(2); // instances, then each one's backups
    for (const list of lists) {
      expect(list.spanContext().traceId).toBe(discoveryTrace);
      expect(list.attributes['http.response.status_code']).toBe(200);
    }

    const roots = spansNamed('enqueue export');
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      const traceId = root.spanContext().traceId;
      expect(traceId).not.toBe(discoveryTrace);
      expect(root.links.map((link) => link.context.traceId)).toEqual([discoveryTrace]);
      const names = exporter
        .getFinishedSpans()
        .filter((span) => span.spanContext().traceId === traceId)
        .map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'process cache-export',
          'export attempt',
          'ncp GET exportBackupToObjectStorage',
        ]),
      );
    }
  });

  function spansNamed(name: string): ReadableSpan[] {
    return exporter.getFinishedSpans().filter((span) => span.name === name);
  }
});
