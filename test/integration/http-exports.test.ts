/**
 * The HTTP service over real sockets, with a real worker behind it: authentication,
 * validation, duplicates, job state, retries, outcome pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Answer, call, startTestService, type TestService } from '../helpers/http-service.ts';
import { type Pipeline, startInProcessWorker, vredisRequest } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const TOKEN = 'http-test-token-0123456789';
const seed = generateSeed({ instances: 4, systemBackups: 1, apis: ['vredis'] });
const [a, b, c, d] = seed.instances;
const file = a!.backups[0]!.fileName;
const bucket = seed.buckets[0]!;
const request = (instanceNo: string) => vredisRequest(instanceNo, file, bucket);
const idOf = (instanceNo: string) => `vredis~KR~${instanceNo}~SYSTEM~${file}~${bucket}`;

describe('HTTP service: exports', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let service: TestService;
  let worker: ExportWorker | undefined;
  const api = (path: string, options: Parameters<typeof call>[2] = {}) =>
    call(service.url, path, { token: TOKEN, ...options });
  const settled = (jobId: string) =>
    waitFor(`${jobId} to finish`, async () => {
      const answer = await api(`/v1/exports/${jobId}`);
      return (answer.json as { outcome?: unknown })?.outcome != null;
    });

  beforeAll(async () => {
    setup = await startEmulatorPipeline('http', { seed }, { maxAttempts: 1 });
    ({ emulator, pipeline } = setup);
    service = await startTestService({
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      NCP_REGION: 'KR',
      EXPORT_MAX_ATTEMPTS: '1',
      API_TOKEN: TOKEN,
    });
  });

  afterAll(async () => {
    await worker?.close();
    await service?.close();
    await setup?.close();
  });

  it('refuses a missing or wrong token with the same 401, and enqueues nothing', async () => {
    const answers: Answer[] = [
      await call(service.url, '/v1/exports', { body: request(a!.instanceNo) }),
      await call(service.url, '/v1/exports', { body: request(a!.instanceNo), token: 'wrong' }),
      await call(service.url, '/v1/exports', {
        body: request(a!.instanceNo),
        headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      }),
      await call(service.url, `/v1/exports/${idOf(a!.instanceNo)}`, { token: `${TOKEN}x` }),
      await call(service.url, '/v1/outcomes', { token: TOKEN.slice(0, -1) }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({
        error: { code: 'ERR_UNAUTHORIZED', message: 'authentication required' },
      });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="ncp-cache-export"');
    }
    expect(await pipeline.producer.queue.count()).toBe(0);
    expect((await api('/v1/outcomes')).status).toBe(200);
  });

  it('answers 400 naming every invalid item and field, and enqueues nothing', async () => {
    const answer = await api('/v1/exports', {
      body: [
        request(a!.instanceNo),
        { api: 'vcash', instanceNo: '12a', fileName: file, bucketName: bucket },
        { ...request(b!.instanceNo), bucketName: 'Bad_Bucket', color: 'red' },
        { instanceNo: '1' },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: 'ERR_VALIDATION',
        message: '7 invalid field(s); nothing was enqueued',
        issues: [
          { in: 'body', index: 1, field: 'api', message: 'must be vredis or vcache' },
          {
            in: 'body',
            index: 1,
            field: 'instanceNo',
            message: 'must be 1 to 20 digits (0-9) and nothing else',
          },
          {
            in: 'body',
            index: 2,
            field: 'bucketName',
            message:
              'must be 3 to 63 characters of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
          },
          {
            in: 'body',
            index: 2,
            field: 'color',
            message: 'unknown field, not part of the contract',
          },
          { in: 'body', index: 3, field: 'api', message: 'is required' },
          { in: 'body', index: 3, field: 'fileName', message: 'is required' },
          { in: 'body', index: 3, field: 'bucketName', message: 'is required' },
        ],
      },
    });
    expect(await pipeline.producer.queue.count()).toBe(0);

    const single = await api('/v1/exports', { body: { ...request('7'), regionCode: 'kr' } });
    expect(single.status).toBe(400);
    expect((single.json as { error: { issues: unknown } }).error.issues).toEqual([
      {
        in: 'body',
        field: 'regionCode',
        message: 'must be an NCP region code such as KR, SGN, JPN, USWN, DEN or FKR',
      },
    ]);
    for (const [body, message] of [
      [[], 'must hold 1 to 10000 export requests (it holds 0)'],
      ['"vredis"', 'must be an export request object, or an array of 1 to 10000 of them'],
    ] as const) {
      const answer = await api('/v1/exports', { body });
      expect(answer.status).toBe(400);
      expect((answer.json as { error: { issues: unknown } }).error.issues).toEqual([
        { in: 'body', field: '', message },
      ]);
    }
    const query = await api('/v1/exports?force=maybe&color=red', { body: request('7') });
    expect((query.json as { error: { issues: unknown } }).error.issues).toEqual([
      { in: 'querystring', field: 'force', message: 'must be true or false' },
      { in: 'querystring', field: 'color', message: 'unknown field' },
    ]);
    const notJson = await api('/v1/exports', { body: '{"api":', method: 'POST' });
    expect(notJson.status).toBe(400);
    expect(await pipeline.producer.queue.count()).toBe(0);
  });

  it('enqueues one request or an array, reporting duplicates', async () => {
    // The first call the worker makes answers 503: with one attempt, that export fails.
    emulator.configure({ faults: { schedule: ['http503'] } });
    const first = await api('/v1/exports', { body: request(a!.instanceNo) });
    expect(first.status).toBe(202);
    expect(first.json).toEqual({
      added: 1,
      reruns: 0,
      duplicates: 0,
      jobs: [{ jobId: idOf(a!.instanceNo), duplicate: false }],
    });
    worker = startInProcessWorker(pipeline, { WORKER_CONCURRENCY: '1', EXPORT_MAX_ATTEMPTS: '1' });
    await settled(idOf(a!.instanceNo));

    const batch = await api('/v1/exports', {
      body: [request(b!.instanceNo), request(b!.instanceNo)],
    });
    expect(batch.status).toBe(202);
    expect(batch.json).toEqual({
      added: 1,
      reruns: 0,
      duplicates: 1,
      jobs: [
        { jobId: idOf(b!.instanceNo), duplicate: false },
        { jobId: idOf(b!.instanceNo), duplicate: true },
      ],
    });
    await settled(idOf(b!.instanceNo));
  });

  it('shows state, attempts, last error and the outcome', async () => {
    const failed = await api(`/v1/exports/${idOf(a!.instanceNo)}`);
    expect(failed.status).toBe(200);
    const view = failed.json as Record<string, unknown> & { outcome: Outcome };
    expect(view).toMatchObject({
      jobId: idOf(a!.instanceNo),
      state: 'failed',
      attempts: { made: 1, max: 1 },
      request: { ...request(a!.instanceNo), backupTypeMode: 'SYSTEM', regionCode: 'KR' },
    });
    expect(view.lastError).toMatch(/^exportBackupToObjectStorage: HTTP 503/);
    expect(view.outcome).toMatchObject({
      status: 'failed',
      httpStatus: 503,
      error: { kind: 'server' },
    });
    // BullMQ marks the job finished just after the outcome is written.
    expect(Date.parse(view.finishedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(view.outcome.finishedAt),
    );

    const ok = (await api(`/v1/exports/${idOf(b!.instanceNo)}`)).json;
    expect(ok).toMatchObject({
      state: 'completed',
      lastError: null,
      outcome: { status: 'succeeded' },
    });

    const missing = await api('/v1/exports/no~such~job');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: { code: 'ERR_NOT_FOUND', message: 'no export job or outcome with this id' },
    });
  });

  it('re-runs a failed export as a new job, once, and never a success', async () => {
    const failedId = idOf(a!.instanceNo);
    const retry = await api(`/v1/exports/${failedId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    expect(retry.json).toEqual({ failedJobId: failedId, jobId: `${failedId}~r1` });
    await settled(`${failedId}~r1`);
    expect((await api(`/v1/exports/${failedId}~r1`)).json).toMatchObject({
      state: 'completed',
      outcome: { status: 'succeeded', jobId: `${failedId}~r1` },
    });
    // The failed run is left as it was, with its own outcome.
    expect((await api(`/v1/exports/${failedId}`)).json).toMatchObject({
      state: 'failed',
      outcome: { status: 'failed' },
    });

    const again = await api(`/v1/exports/${failedId}/retry`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      error: { code: 'ERR_NOT_RETRYABLE', message: `not re-run: already re-run as ${failedId}~r1` },
    });
    const success = await api(`/v1/exports/${idOf(b!.instanceNo)}/retry`, { method: 'POST' });
    expect(success.status).toBe(409);
    expect((success.json as { error: { message: string } }).error.message).toBe(
      'not re-run: it succeeded',
    );
    expect((await api('/v1/exports/nothing/retry', { method: 'POST' })).status).toBe(404);
  });

  it('pages outcomes, filtered by status, kind and time', async () => {
    await api('/v1/exports', { body: request(c!.instanceNo) });
    await settled(idOf(c!.instanceNo));
    const all: Outcome[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await api(`/v1/outcomes?limit=2${query}`)).json as {
        items: Outcome[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(all.map((o) => [o.jobId, o.status])).toEqual([
      [idOf(a!.instanceNo), 'failed'],
      [idOf(b!.instanceNo), 'succeeded'],
      [`${idOf(a!.instanceNo)}~r1`, 'succeeded'],
      [idOf(c!.instanceNo), 'succeeded'],
    ]);

    const failed = (await api('/v1/outcomes?status=failed&kind=server,network')).json;
    expect(failed).toMatchObject({ items: [{ jobId: idOf(a!.instanceNo) }], nextCursor: null });
    const since = all[3]!.finishedAt;
    const recent = (await api(`/v1/outcomes?since=${encodeURIComponent(since)}`)).json as {
      items: Outcome[];
    };
    expect(recent.items.map((o) => o.jobId)).toContain(idOf(c!.instanceNo));
    expect((await api('/v1/outcomes?since=2999-01-01')).json).toEqual({
      items: [],
      nextCursor: null,
    });

    const forced = await api('/v1/exports?force=true', { body: request(c!.instanceNo) });
    const [job] = (forced.json as { jobs: { jobId: string; duplicate: boolean }[] }).jobs;
    expect(job?.jobId).toMatch(new RegExp(`^${idOf(c!.instanceNo)}~f[0-9a-z]+$`));
    expect(job?.duplicate).toBe(false);

    const bad = await api('/v1/outcomes?status=done&kind=cosmic&cursor=xyz&limit=0');
    expect(bad.status).toBe(400);
    expect(
      (bad.json as { error: { issues: { field: string }[] } }).error.issues.map((i) => i.field),
    ).toEqual(['status', 'kind', 'cursor', 'limit']);
  });

  it('adds a new run when an export whose last run failed is enqueued again', async () => {
    const failedId = idOf(d!.instanceNo);
    // The next call fails: wait until no earlier job can make that call.
    await waitFor('an idle queue', async () => {
      const counts = await pipeline.producer.queue.getJobCounts('active', 'wait', 'delayed');
      return Object.values(counts).every((n) => n === 0);
    });
    emulator.configure({ faults: { schedule: ['http503'] } });
    await api('/v1/exports', { body: request(d!.instanceNo) });
    await settled(failedId);
    expect((await api(`/v1/exports/${failedId}`)).json).toMatchObject({ state: 'failed' });

    const again = await api('/v1/exports', {
      body: [request(d!.instanceNo), request(a!.instanceNo)],
    });
    expect(again.json).toEqual({
      added: 0,
      reruns: 1,
      duplicates: 1,
      jobs: [
        { jobId: `${failedId}~r1`, duplicate: false, rerunOf: failedId },
        // a's latest run is the re-run `retry` added, which succeeded.
        { jobId: `${idOf(a!.instanceNo)}~r1`, duplicate: true },
      ],
    });
    await settled(`${failedId}~r1`);
    expect((await api(`/v1/exports/${failedId}~r1`)).json).toMatchObject({ state: 'completed' });
    const third = await api('/v1/exports', { body: request(d!.instanceNo) });
    expect(third.json).toMatchObject({ jobs: [{ jobId: `${failedId}~r1`, duplicate: true }] });
  });
});
