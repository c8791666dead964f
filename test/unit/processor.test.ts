import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import { NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import { createExportProcessor, type ExportClient } from '../../worker/processor.ts';
import { CountingLimiter } from '../helpers/counting-limiter.ts';
import { EXAMPLE_REQUEST } from '../helpers/export-requests.ts';
import { type FakeJob, fakeJob as fakeJobOf } from '../helpers/fake-job.ts';
import { MemoryOutcomes } from '../helpers/memory-outcomes.ts';
import {
  authError as authErrorOf,
  serverError as serverErrorOf,
  throttledError,
} from '../helpers/ncp-errors.ts';

const request = EXAMPLE_REQUEST;

const success: NcpResponse = {
  httpStatus: 200,
  requestId: 'req-1',
  returnCode: '0',
  returnMessage: 'success',
  body: {},
};

function fakeJob(overrides: Partial<Job> = {}): FakeJob {
  return fakeJobOf({ id: 'job-1', queueName: 'cache-export', data: request, ...overrides });
}

class ScriptedClient implements ExportClient {
  calls = 0;
  private readonly answers: (NcpResponse | NcpError)[];
  constructor(answers: (NcpResponse | NcpError)[]) {
    this.answers = answers;
  }
  async exportBackup() {
    const answer = this.answers[Math.min(this.calls++, this.answers.length - 1)]!;
    if (answer instanceof NcpError) throw answer;
    return answer;
  }
}

const serverError = serverErrorOf();
const authError = authErrorOf();

function setup(
  answers: (NcpResponse | NcpError)[],
  options: { throttleMaxWaitMs?: number; shutdown?: AbortSignal } = {},
) {
  const client = new ScriptedClient(answers);
  const limiter = new CountingLimiter();
  const outcomes = new MemoryOutcomes<Outcome>();
  const process = createExportProcessor({
    client,
    limiter,
    outcomes,
    logger: pino({ level: 'silent' }),
    throttleMaxWaitMs: options.throttleMaxWaitMs ?? 60_000,
    shutdown: options.shutdown ?? new AbortController().signal,
  });
  return { client, limiter, outcomes, process };
}

describe('export processor', () => {
  it('calls NCP once and writes a succeeded outcome', async () => {
    const { client, limiter, outcomes, process } = setup([success]);
    await expect(process(fakeJob())).resolves.toEqual({
      requestId: 'req-1',
      returnCode: '0',
      httpStatus: 200,
    });
    expect(client.calls).toBe(1);
    expect(limiter.acquired).toBe(1);
    expect(limiter.booked).toEqual(['booking-1']);
    expect(outcomes.written).toEqual([
      expect.objectContaining({
        jobId: 'job-1',
        status: 'succeeded',
        attempts: 1,
        requestId: 'req-1',
        error: null,
        meta: {},
      }),
    ]);
    expect(outcomes.written[0]!.enqueuedAt).toBe('2026-11-26T00:00:00.000Z');
    expect(outcomes.written[0]!.startedAt).toBe('2026-11-26T00:00:01.000Z');
  });

  it('repeats throttled calls within the attempt, waiting for the limiter each time', async () => {
    const { client, limiter, outcomes, process } = setup([
      throttledError(),
      throttledError(2000),
      success,
    ]);
    await process(fakeJob());
    expect(client.calls).toBe(3);
    expect(limiter.acquired).toBe(3);
    expect(limiter.booked).toEqual(['booking-1', 'booking-2', 'booking-3']);
    expect(limiter.throttles).toEqual([undefined, 2000]);
    expect(outcomes.written[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('ends the attempt as throttled once the throttle wait bound is spent', async () => {
    const { client, outcomes, process } = setup([throttledError(5000)], {
      throttleMaxWaitMs: 1000,
    });
    const error = await process(fakeJob()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NcpError);
    expect((error as NcpError).kind).toBe('throttled');
    expect(client.calls).toBe(1);
    expect(outcomes.written).toEqual([]);
  });

  it('ends the attempt as throttled when a global pause outlasts the wait bound', async () => {
    const { client, limiter, process } = setup([success], { throttleMaxWaitMs: 1000 });
    limiter.pausedForMs = 5000;
    const error = await process(fakeJob()).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'throttled', code: 'PAUSED' });
    expect(client.calls).toBe(0);
  });

  it('lets BullMQ retry a transient error, writing no outcome', async () => {
    const { outcomes, process } = setup([serverError]);
    await expect(process(fakeJob())).rejects.toBe(serverError);
    expect(outcomes.written).toEqual([]);
  });

  it('writes a failed outcome when the last attempt fails', async () => {
    const { outcomes, process } = setup([serverError]);
    await expect(process(fakeJob({ attemptsMade: 2 }))).rejects.toBe(serverError);
    expect(outcomes.written[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      httpStatus: 500,
      error: { kind: 'server', code: '1000', message: 'try again', retryable: true },
    });
  });

  it('fails at once on auth errors, without retry', async () => {
    const { client, outcomes, process } = setup([authError, success]);
    await expect(process(fakeJob())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(client.calls).toBe(1);
    expect(outcomes.written[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { kind: 'auth', code: '200', retryable: false },
    });
  });

  it('fails at once, naming the field, when job data breaks the contract', async () => {
    const { client, outcomes, process } = setup([success]);
    const job = fakeJob({ data: { ...request, bucketName: 'Bad_Bucket', extra: 1 } });
    const error = await process(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/bucketName: .*; extra: unknown field/);
    expect(client.calls).toBe(0);
    expect(outcomes.written[0]).toMatchObject({
      status: 'failed',
      request: { bucketName: 'Bad_Bucket', extra: 1 },
      error: { kind: 'invalid', code: 'ERR_CONTRACT', retryable: false },
    });
  });

  it('does not call NCP again for a run whose outcome was written before a crash', async () => {
    const { client, outcomes, process } = setup([success]);
    await process(fakeJob());
    const again = await process(fakeJob({ attemptsStarted: 2, stalledCounter: 1 }));
    expect(again.requestId).toBe('req-1');
    expect(client.calls).toBe(1);
    expect(outcomes.written).toHaveLength(1);
  });

  it('hands a waiting job back on shutdown without calling NCP', async () => {
    const shutdown = new AbortController();
    shutdown.abort(new Error('shutting down'));
    const { client, outcomes, process } = setup([success], { shutdown: shutdown.signal });
    const job = fakeJob();
    await expect(process(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedTo).toBeTypeOf('number');
    expect(client.calls).toBe(0);
    expect(outcomes.written).toEqual([]);
  });
});
