import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type ExportRequest, exportJobId } from '../../shared/contract.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { discoveryOutcomeSchema } from '../../shared/discovery-contract.ts';
import { NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import {
  createDiscoveryProcessor,
  type DiscoveryExporter,
  type ListClient,
} from '../../worker/discovery/processor.ts';
import { CountingLimiter } from '../helpers/counting-limiter.ts';
import { type FakeJob, fakeJob as fakeJobOf } from '../helpers/fake-job.ts';
import { MemoryOutcomes } from '../helpers/memory-outcomes.ts';

/** Three vredis instances in KR, listed 2 per page; 103's number comes as a JSON number. */
const INSTANCES = [
  { cloudRedisInstanceNo: '101', cloudRedisServiceName: 'orders-1', regionCode: 'KR' },
  { cloudRedisInstanceNo: '102', cloudRedisServiceName: 'sessions-2', regionCode: 'KR' },
  { cloudRedisInstanceNo: 103, cloudRedisServiceName: 'orders-3', regionCode: 'KR' },
];
const backup = (fileName: string | undefined, day: number) => ({
  startTime: `2024-07-0${day}T12:00:00+0900`,
  endTime: `2024-07-0${day}T12:01:00+0900`,
  ...(fileName ? { fileName } : {}),
});

type Answer = Record<string, unknown> | NcpError;

/** Answers list calls from a table, counting calls per action; scripted failures go first. */
class FakeNcp implements ListClient {
  readonly calls: string[] = [];
  readonly failures = new Map<string, NcpError[]>();
  backups: Record<string, Record<string, unknown>[]> = {
    '101': [backup('20240701', 1), backup('20240702', 2)],
    '102': [backup('20240702', 2), backup('20240703', 3)],
    '103': [backup('20240701', 1)],
  };

  async call(
    _api: string,
    action: string,
    params: Readonly<Record<string, string | undefined>>,
    options?: { onSent?: (() => void) | undefined; signal?: AbortSignal | undefined },
  ): Promise<NcpResponse> {
    options?.signal?.throwIfAborted();
    this.calls.push(action);
    options?.onSent?.();
    const scripted = this.failures.get(action)?.shift();
    if (scripted) throw scripted;
    return {
      httpStatus: 200,
      requestId: 'r',
      returnCode: '0',
      returnMessage: 'ok',
      body: this.answer(action, params) as Record<string, unknown>,
    };
  }

  private answer(action: string, params: Readonly<Record<string, string | undefined>>): Answer {
    if (action === 'getCloudRedisInstanceList') {
      const size = Number(params.pageSize);
      const start = Number(params.pageNo) * size;
      return {
        totalRows: INSTANCES.length,
        cloudRedisInstanceList: INSTANCES.slice(start, start + size),
      };
    }
    return { cloudRedisBackupDetailList: this.backups[params.cloudRedisInstanceNo ?? ''] ?? [] };
  }
}

class MemoryExporter implements DiscoveryExporter {
  readonly queued = new Set<string>();
  enqueued: ExportRequest[] = [];
  jobId = (request: ExportRequest) => exportJobId(request);
  async enqueue(requests: readonly ExportRequest[]) {
    return requests.map((request) => {
      const jobId = this.jobId(request);
      const added = !this.queued.has(jobId);
      this.queued.add(jobId);
      if (added) this.enqueued.push(request);
      return { jobId, added };
    });
  }
  async existing(jobIds: readonly string[]) {
    return new Set(jobIds.filter((id) => this.queued.has(id)));
  }
}

function fakeJob(data: unknown, overrides: Partial<Job> = {}): FakeJob {
  return fakeJobOf({ id: 'disc-1', queueName: 'cache-export-discovery', data, ...overrides });
}

function setup(options: { shutdown?: AbortController; concurrency?: number } = {}) {
  const ncp = new FakeNcp();
  const limiter = new CountingLimiter({ pauseMs: 1 });
  const exporter = new MemoryExporter();
  const outcomes = new MemoryOutcomes<DiscoveryOutcome>();
  const shutdown = options.shutdown ?? new AbortController();
  const process = createDiscoveryProcessor({
    client: ncp,
    limiter,
    exporter,
    outcomes,
    logger: pino({ level: 'silent' }),
    defaultRegion: 'KR',
    throttleMaxWaitMs: 60_000,
    retry: { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 2 }, retryAfterMaxMs: 60_000 },
    shutdown: shutdown.signal,
    pageSize: 2,
    concurrency: options.concurrency ?? 4,
  });
  return { ncp, limiter, exporter, outcomes, process, shutdown };
}

const request = { api: 'vredis', bucketName: 'cache-backup' };
const files = (outcome: DiscoveryOutcome | undefined) =>
  outcome?.instances.flatMap((i) =>
    i.files.map((f) => `${i.instanceNo}/${f.fileName}/${f.result}`),
  );

describe('discovery processor', () => {
  it('pages the instance list, takes each newest backup and enqueues it', async () => {
    const { ncp, limiter, exporter, outcomes, process } = setup();
    await expect(process(fakeJob(request))).resolves.toEqual({
      status: 'succeeded',
      instancesMatched: 3,
      filesChosen: 3,
      exportsEnqueued: 3,
    });
    expect(ncp.calls.filter((a) => a === 'getCloudRedisInstanceList')).toHaveLength(2);
    expect(ncp.calls.filter((a) => a === 'getCloudRedisBackupDetailList')).toHaveLength(3);
    expect(limiter.acquired).toBe(5);
    expect(limiter.booked).toHaveLength(5);
    expect(exporter.enqueued).toEqual([
      {
        api: 'vredis',
        instanceNo: '101',
        fileName: '20240702',
        bucketName: 'cache-backup',
        backupTypeMode: 'SYSTEM',
        regionCode: 'KR',
        meta: { discovery: 'disc-1' },
      },
      expect.objectContaining({ instanceNo: '102', fileName: '20240703' }),
      expect.objectContaining({ instanceNo: '103', fileName: '20240701' }),
    ]);
    const outcome = outcomes.written[0]!;
    expect(discoveryOutcomeSchema.safeParse(outcome).success).toBe(true);
    expect(outcome).toMatchObject({
      jobId: 'disc-1',
      status: 'succeeded',
      instancesSeen: 3,
      filesChosen: 3,
      exportsEnqueued: 3,
      exportsDuplicate: 0,
      errors: [],
      attempts: 1,
    });
    expect(outcome.instances[0]).toEqual({
      instanceNo: '101',
      api: 'vredis',
      name: 'orders-1',
      regionCode: 'KR',
      backupsListed: 2,
      files: [
        {
          fileName: '20240702',
          backupTime: '2024-07-02T03:01:00.000Z',
          jobId: 'vredis~KR~101~SYSTEM~20240702~cache-backup',
          result: 'added',
        },
      ],
    });

    // The same discovery again adds nothing: every export is a duplicate.
    await process(fakeJob(request, { id: 'disc-2' }));
    expect(outcomes.written[1]).toMatchObject({ exportsEnqueued: 0, exportsDuplicate: 3 });
    expect(exporter.enqueued).toHaveLength(3);
  });

  it('filters by name and instance, and takes every backup since a time', async () => {
    const { exporter, outcomes, process } = setup();
    await process(fakeJob({ ...request, nameFilter: 'orders-*', since: '2024-07-01T03:00:30Z' }));
    expect(files(outcomes.written[0])).toEqual([
      '101/20240701/added',
      '101/20240702/added',
      '103/20240701/added',
    ]);
    await process(fakeJob({ ...request, instanceNos: ['102'] }, { id: 'disc-2' }));
    expect(files(outcomes.written[1])).toEqual(['102/20240703/added']);
    expect(outcomes.written[1]).toMatchObject({ instancesSeen: 3, instancesMatched: 1 });
    expect(exporter.enqueued).toHaveLength(4);
  });

  it('enqueues nothing on a dry run, telling new exports from queued ones', async () => {
    const { exporter, outcomes, process } = setup();
    await process(fakeJob({ ...request, instanceNos: ['101'] }));
    await process(fakeJob({ ...request, dryRun: true }, { id: 'disc-2' }));
    expect(exporter.enqueued).toHaveLength(1);
    expect(files(outcomes.written[1])).toEqual([
      '101/20240702/duplicate',
      '102/20240703/would-add',
      '103/20240701/would-add',
    ]);
    expect(outcomes.written[1]).toMatchObject({ dryRun: true, exportsEnqueued: 0 });
  });

  it('fails an instance whose chosen backup has no fileName, clearly, and goes on', async () => {
    const { ncp, exporter, outcomes, process } = setup();
    ncp.backups['102'] = [backup(undefined, 3)];
    await expect(process(fakeJob(request))).resolves.toMatchObject({ status: 'partial' });
    expect(exporter.enqueued.map((r) => r.instanceNo)).toEqual(['101', '103']);
    const [error] = outcomes.written[0]!.errors;
    expect(error).toMatchObject({ instanceNo: '102', kind: 'protocol', code: 'NO_FILE_NAME' });
    expect(error!.message).toContain('getCloudRedisBackupDetailList lists a backup of');
    expect(error!.message).toContain('without a fileName');

    // When every instance lacks it, the discovery fails.
    for (const no of ['101', '103']) ncp.backups[no] = [backup(undefined, 1)];
    const failed = await process(fakeJob(request, { id: 'disc-2' })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(UnrecoverableError);
    expect(outcomes.written[1]).toMatchObject({ status: 'failed', exportsEnqueued: 0 });
  });

  it('retries a transient list failure with backoff, and repeats throttled calls', async () => {
    const { ncp, limiter, outcomes, process } = setup();
    const unavailable = new NcpError({
      kind: 'server',
      code: '500',
      message: 'down',
      httpStatus: 503,
    });
    const limited = new NcpError({
      kind: 'throttled',
      code: '420',
      message: 'slow',
      httpStatus: 429,
    });
    ncp.failures.set('getCloudRedisInstanceList', [limited, unavailable]);
    ncp.failures.set('getCloudRedisBackupDetailList', [unavailable, unavailable]);
    await expect(process(fakeJob(request))).resolves.toMatchObject({ status: 'succeeded' });
    expect(limiter.throttles).toHaveLength(1);
    expect(ncp.calls).toHaveLength(5 + 4);
    expect(limiter.acquired).toBe(9);
    expect(outcomes.written[0]!.errors).toEqual([]);
  });

  it('records an instance whose list keeps failing, and fails when instances cannot be listed', async () => {
    const { ncp, outcomes, process } = setup({ concurrency: 1 });
    const down = () =>
      new NcpError({ kind: 'server', code: '500', message: 'down', httpStatus: 503 });
    ncp.failures.set('getCloudRedisBackupDetailList', [down(), down(), down()]);
    await expect(process(fakeJob(request))).resolves.toMatchObject({ status: 'partial' });
    expect(outcomes.written[0]!.errors).toEqual([
      { instanceNo: '101', kind: 'server', code: '500', message: 'down', retryable: true },
    ]);
    expect(outcomes.written[0]!.instances[0]).toMatchObject({ backupsListed: null, files: [] });

    const denied = new NcpError({ kind: 'auth', code: '200', message: 'Authentication Failed' });
    ncp.failures.set('getCloudRedisInstanceList', [denied]);
    const error = await process(fakeJob(request, { id: 'disc-2' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(outcomes.written[1]).toMatchObject({
      status: 'failed',
      instancesSeen: 0,
      errors: [{ instanceNo: null, kind: 'auth', code: '200' }],
    });
  });

  it('hands the job back on shutdown, enqueueing nothing and writing no outcome', async () => {
    const shutdown = new AbortController();
    const { limiter, exporter, outcomes, process } = setup({ shutdown });
    limiter.abortOnAcquire = shutdown;
    const job = fakeJob(request);
    await expect(process(job)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedTo).toBeTypeOf('number');
    expect(exporter.enqueued).toEqual([]);
    expect(outcomes.written).toEqual([]);
  });

  it('fails a job whose data breaks the contract, naming the fields', async () => {
    const { ncp, outcomes, process } = setup();
    const error = await process(fakeJob({ api: 'redis', bucketName: 'B', since: 'soon' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(ncp.calls).toEqual([]);
    const [problem] = outcomes.written[0]!.errors;
    expect(problem).toMatchObject({ instanceNo: null, kind: 'invalid', code: 'ERR_CONTRACT' });
    expect(problem!.message).toMatch(/api: .*bucketName: .*since: /);
  });

  it('settles an interrupted job from the outcome it already wrote', async () => {
    const { ncp, outcomes, process } = setup();
    await process(fakeJob(request));
    const calls = ncp.calls.length;
    await expect(process(fakeJob(request, { stalledCounter: 1 }))).resolves.toMatchObject({
      exportsEnqueued: 3,
    });
    expect(ncp.calls).toHaveLength(calls);
    expect(outcomes.written).toHaveLength(1);
  });
});
