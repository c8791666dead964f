/**
 * Another system enqueues as README's "Integration" section shows, with plain BullMQ and the
 * published JSON Schema (no code of this project): the workers run the export, the job id
 * de-duplicates against the library and the HTTP service, and the outcome validates against
 * the outcome schema.
 */

import { Ajv2020 } from 'ajv/dist/2020.js';
import { Queue } from 'bullmq';
import requestSchema from 'ncp-cache-export/schema/export-request.schema.json' with {
  type: 'json',
};
import outcomeSchema from 'ncp-cache-export/schema/outcome.schema.json' with { type: 'json' };
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 1, systemBackups: 1, apis: ['vcache'] });
const instance = seed.instances[0]!;

describe('enqueueing with plain BullMQ and the JSON Schema', () => {
  let setup: EmulatorPipeline;
  let pipeline: Pipeline;
  let worker: ExportWorker;
  let queue: Queue;
  let results: Queue;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('bullmq', { seed });
    ({ pipeline } = setup);
    const connection = { url: pipeline.redisUrl };
    queue = new Queue('cache-export', { connection, prefix: pipeline.prefix });
    results = new Queue('cache-export-results', { connection, prefix: pipeline.prefix });
    worker = startInProcessWorker(pipeline);
  });

  afterAll(async () => {
    await Promise.all([queue?.close(), results?.close()]);
    await worker?.close();
    await setup?.close();
  });

  it('runs the export and writes an outcome that matches the outcome schema', async () => {
    // As in README, "With BullMQ from Node".
    // Formats (date-time) are not checked: plain Ajv knows none without ajv-formats.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(requestSchema);
    const request = {
      api: 'vcache',
      regionCode: 'KR',
      instanceNo: instance.instanceNo,
      backupTypeMode: 'SYSTEM',
      fileName: instance.backups[0]!.fileName,
      bucketName: seed.buckets[0]!,
      meta: { ticket: 'OPS-12' },
    };
    if (!validate(request)) throw new Error(ajv.errorsText(validate.errors));
    const jobId = [
      request.api,
      request.regionCode ?? 'default',
      request.instanceNo,
      request.backupTypeMode,
      request.fileName,
      request.bucketName,
    ].join('~');
    await queue.add('export', request, { jobId, attempts: 8, backoff: { type: 'ncp-jitter' } });

    // The same export through the library (or the HTTP service) is a duplicate.
    const [again] = await pipeline.producer.enqueue([request]);
    expect(again).toMatchObject({ jobId, added: false });

    await waitFor('the outcome', async () => (await results.getJob(jobId)) !== undefined);
    const outcome = (await results.getJob(jobId))!;
    expect(outcome.name).toBe('outcome');
    expect(outcome.data).toMatchObject({ jobId, status: 'succeeded', meta: { ticket: 'OPS-12' } });
    expect(ajv.validate(outcomeSchema, outcome.data)).toBe(true);

    for (const bad of [
      { ...request, api: 'redis' },
      { ...request, extra: 1 },
    ]) {
      expect(validate(bad)).toBe(false);
    }
  });
});
