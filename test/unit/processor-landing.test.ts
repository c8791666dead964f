/**
 * The export processor and landing checks: an accepted export's check is queued before its
 * outcome is written (pending), failures queue none, and without checks the outcome says
 * `not-checked`.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ExportRequest, Landing, Outcome } from '../../shared/contract.ts';
import { NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import { createExportProcessor, type LandingStarter } from '../../worker/processor.ts';
import { fakeJob } from '../helpers/fake-job.ts';

const request = {
  api: 'vredis',
  instanceNo: '1234511',
  fileName: '20240702',
  bucketName: 'redis-backup',
  backupTypeMode: 'SYSTEM',
  regionCode: 'KR',
};
const success: NcpResponse = {
  httpStatus: 200,
  requestId: 'req-1',
  returnCode: '0',
  returnMessage: 'success',
  body: {},
};

function setup(answer: NcpResponse | NcpError, landing?: LandingStarter, events: string[] = []) {
  const written: Outcome[] = [];
  const process = createExportProcessor({
    client: {
      exportBackup: async () => {
        if (answer instanceof NcpError) throw answer;
        return answer;
      },
    },
    limiter: {
      acquire: async () => 'booking',
      sent: async () => {},
      throttled: async () => 0,
    },
    outcomes: {
      write: async (outcome) => {
        events.push('outcome');
        written.push(outcome);
        return 'recorded';
      },
      read: async () => undefined,
    },
    logger: pino({ level: 'silent' }),
    throttleMaxWaitMs: 1000,
    shutdown: new AbortController().signal,
    landing,
  });
  const job = fakeJob({ id: 'job-1', queueName: 'cache-export', data: request });
  return { events, written, run: () => process(job) };
}

describe('export processor with landing checks', () => {
  it('queues the check of an accepted export before writing its pending outcome', async () => {
    const begun: { jobId: string; request: ExportRequest; at: number }[] = [];
    const events: string[] = [];
    const { written, run } = setup(
      success,
      {
        begin: async (jobId, req, at): Promise<Landing> => {
          events.push('check');
          begun.push({ jobId, request: req, at });
          return { state: 'pending', looked: 'key k', checks: 0 };
        },
      },
      events,
    );
    await run();
    expect(begun).toEqual([
      { jobId: 'job-1', request: expect.objectContaining(request), at: expect.any(Number) },
    ]);
    // Queued first: a crash between the two re-runs the job instead of leaving a pending record.
    expect(events).toEqual(['check', 'outcome']);
    expect(written[0]).toMatchObject({
      status: 'succeeded',
      schemaVersion: 2,
      landing: { state: 'pending', looked: 'key k' },
    });
    expect(begun[0]!.at).toBe(Date.parse(written[0]!.finishedAt));
  });

  it('queues no check for a failure, and says not-checked without checks', async () => {
    let begun = 0;
    const failing = setup(
      new NcpError({ kind: 'invalid', code: '5001017', message: 'no instance', httpStatus: 400 }),
      {
        begin: async () => {
          begun++;
          return { state: 'pending' };
        },
      },
    );
    await expect(failing.run()).rejects.toThrow();
    expect(begun).toBe(0);
    expect(failing.written[0]).toMatchObject({ status: 'failed' });
    expect(failing.written[0]).not.toHaveProperty('landing');

    const off = setup(success);
    await off.run();
    expect(off.written[0]!.landing).toEqual({ state: 'not-checked' });
  });
});
