/** A worker whose clock is off: 4 minutes still works, 6 minutes fails at once and says why. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, requestsFromSeed, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 4, systemBackups: 1 });
const requests = requestsFromSeed(seed);
const MINUTE = 60_000;

describe('clock skew', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('clock', { seed });
    ({ emulator, pipeline } = setup);
    worker = startInProcessWorker(pipeline);
  });

  afterAll(async () => {
    await worker?.close();
    await setup?.close();
  });

  it.each([
    ['behind', 4 * MINUTE],
    ['ahead', -4 * MINUTE],
  ])('succeeds with the worker clock 4 minutes %s', async (_label, gatewayOffset) => {
    emulator.reset();
    emulator.configure({ clockOffsetMs: gatewayOffset });
    await pipeline.producer.enqueue(requests, { force: true });
    const before = await pipeline.outcomeCount();
    await waitFor(
      'outcomes',
      async () => (await pipeline.outcomeCount()) >= before + requests.length,
    );
    expect(emulator.stats()).toMatchObject({ accepted: requests.length, badSignatures: 0 });
  });

  it('fails at once, naming the clock, with the worker clock 6 minutes off', async () => {
    emulator.reset();
    emulator.configure({ clockOffsetMs: 6 * MINUTE });
    const [result] = await pipeline.producer.enqueue([requests[0]!], { force: true });
    await waitFor('the outcome', async () =>
      Boolean(await pipeline.producer.ledger.exportOutcome(result!.jobId)),
    );
    const outcome = (await pipeline.outcomes()).find((o) => o.jobId === result!.jobId);
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 1,
      httpStatus: 401,
      error: { kind: 'auth', retryable: false },
    });
    expect(outcome?.error?.message).toMatch(
      /this host's clock is [56] min \d+ s behind NCP's.*synchronise/,
    );
    expect(emulator.stats()).toMatchObject({ requests: 1, badSignatures: 1, accepted: 0 });
  });
});
