/** Auth errors, unknown instances and contract violations fail at once, with one outcome. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPORT_JOB_NAME } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 2, systemBackups: 1 });
const instance = seed.instances[0]!;
const known = {
  api: instance.api,
  instanceNo: instance.instanceNo,
  fileName: instance.backups[0]!.fileName,
  bucketName: seed.buckets[0]!,
};

describe('errors that no retry can fix', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;

  beforeEach(async () => {
    setup = await startEmulatorPipeline('failfast', { seed });
    ({ emulator, pipeline } = setup);
  });

  afterEach(async () => {
    await worker?.close();
    await setup?.close();
  });

  async function onlyOutcome() {
    await waitFor('one outcome', async () => (await pipeline.outcomeCount()) >= 1, 10_000);
    const outcomes = await pipeline.outcomes();
    expect(outcomes).toHaveLength(1);
    return outcomes[0]!;
  }

  it('fails a wrong secret key as auth after one call', async () => {
    await pipeline.producer.enqueue([known]);
    worker = startInProcessWorker(pipeline, { NCP_SECRET_KEY: 'not-the-secret' });
    const outcome = await onlyOutcome();
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      httpStatus: 401,
      error: { kind: 'auth', code: '200', retryable: false },
    });
    expect(emulator.stats()).toMatchObject({ requests: 1, badSignatures: 1 });
    expect(JSON.stringify(outcome)).not.toContain('not-the-secret');
  });

  it('fails an unknown instance as invalid after one call', async () => {
    await pipeline.producer.enqueue([{ ...known, instanceNo: '999999999' }]);
    worker = startInProcessWorker(pipeline);
    const outcome = await onlyOutcome();
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      httpStatus: 400,
      error: { kind: 'invalid', retryable: false },
    });
    expect(outcome.error?.message).toContain('cloudRedisInstanceNo');
    expect(emulator.stats().requests).toBe(1);
  });

  it('fails a job another system added with bad data, naming the field, without calling NCP', async () => {
    await pipeline.producer.queue.add(
      EXPORT_JOB_NAME,
      { ...known, instanceNo: '12ab', color: 'red' },
      { jobId: 'foreign-1', attempts: 5 },
    );
    worker = startInProcessWorker(pipeline);
    const outcome = await onlyOutcome();
    expect(outcome).toMatchObject({
      jobId: 'foreign-1',
      status: 'failed',
      attempts: 1,
      request: { instanceNo: '12ab', color: 'red' },
      error: { kind: 'invalid', code: 'ERR_CONTRACT', retryable: false },
    });
    expect(outcome.error?.message).toMatch(/instanceNo: .*; color: unknown field/);
    expect(emulator.stats().requests).toBe(0);
    const job = await pipeline.producer.queue.getJob('foreign-1');
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
  });
});
