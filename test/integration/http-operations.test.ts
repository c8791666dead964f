/**
 * What operators use, over real sockets: /metrics (parsed as Prometheus text) on the service
 * and on a worker's METRICS_PORT, the dashboard behind the token, health and readiness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { type Pipeline, startInProcessWorker, vredisRequest } from '../helpers/pipeline.ts';
import { type Exposition, parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/redis.ts';

const TOKEN = 'ops-token-abcdefghijklmnop';
const seed = generateSeed({ instances: 3, systemBackups: 1, apis: ['vredis'] });
const file = seed.instances[0]!.backups[0]!.fileName;
const bucket = seed.buckets[0]!;
const request = (instanceNo: string) => vredisRequest(instanceNo, file, bucket);
const basic = (token: string) => `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`;
const invalidId = `vredis~KR~999999~SYSTEM~${file}~${bucket}`;

async function scrape(url: string): Promise<Exposition> {
  const answer = await call(url, '/metrics');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(answer.text);
}

describe('HTTP service: metrics, dashboard, health', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let service: TestService;
  let worker: ExportWorker;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Retry-After: 0 on the scheduled 429, so the throttled call is repeated at once.
    setup = await startEmulatorPipeline('http-ops', { seed, retryAfter: 0 }, { maxAttempts: 1 });
    ({ emulator, pipeline } = setup);
    emulator.configure({ faults: { schedule: ['throttle'] } });
    env = setup.env;
    service = await startTestService({ ...env, API_TOKEN: TOKEN, EXPORT_MAX_ATTEMPTS: '1' });
    worker = startInProcessWorker(pipeline, { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
    const body = [...seed.instances.map((i) => request(i.instanceNo)), request('999999')];
    expect((await call(service.url, '/v1/exports', { token: TOKEN, body })).status).toBe(202);
    await waitFor('4 outcomes', async () => (await pipeline.outcomeCount()) >= 4);
  });

  afterAll(async () => {
    await worker?.close();
    await service?.close();
    await setup?.close();
  });

  it('reports jobs, outcomes, NCP calls and 429s for the whole system', async () => {
    // A worker writes its call counts within 50 ms of the call, apart from the outcome.
    let metrics = await scrape(service.url);
    const callCount = (status: string) =>
      sampleValue(metrics, 'ncp_cache_export_ncp_call_duration_seconds_count', {
        api: 'vredis',
        http_status: status,
      }) ?? 0;
    await waitFor('the 5 calls counted', async () => {
      metrics = await scrape(service.url);
      return callCount('200') + callCount('429') + callCount('400') >= 5;
    });
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(metrics, name, labels);
    expect(metrics.types.get('ncp_cache_export_ncp_call_duration_seconds')).toBe('histogram');
    expect(value('ncp_cache_export_jobs', { state: 'completed' })).toBe(3);
    expect(value('ncp_cache_export_jobs', { state: 'failed' })).toBe(1);
    expect(value('ncp_cache_export_jobs', { state: 'waiting' })).toBe(0);
    expect(value('ncp_cache_export_outcomes_retained')).toBe(4);
    expect(
      value('ncp_cache_export_outcomes_total', { status: 'succeeded', error_kind: 'none' }),
    ).toBe(3);
    expect(
      value('ncp_cache_export_outcomes_total', { status: 'failed', error_kind: 'invalid' }),
    ).toBe(1);
    expect(value('ncp_cache_export_ncp_throttled_total', { api: 'vredis' })).toBe(1);
    const calls = (status: string) =>
      value('ncp_cache_export_ncp_call_duration_seconds_count', {
        api: 'vredis',
        http_status: status,
      });
    expect([calls('200'), calls('429'), calls('400')]).toEqual([3, 1, 1]);
    expect(
      value('ncp_cache_export_ncp_call_duration_seconds_bucket', {
        api: 'vredis',
        http_status: '200',
        le: '+Inf',
      }),
    ).toBe(3);
    expect(
      value('ncp_cache_export_ncp_call_duration_seconds_sum', {
        api: 'vredis',
        http_status: '200',
      }),
    ).toBeGreaterThan(0);
    expect(value('ncp_cache_export_workers')).toBe(1);
    expect(value('ncp_cache_export_throttle_pause_seconds')).toBe(0);
    expect(value('ncp_cache_export_rate_calls_last_second')).toBeGreaterThanOrEqual(0);
    expect(metrics.types.get('process_cpu_user_seconds_total')).toBe('counter');
    // Coverage, from the ledger's summaries: the unknown instance was never exported.
    expect(value('ncp_cache_export_instances')).toBe(4);
    expect(value('ncp_cache_export_instances_stale')).toBe(1);
    expect(value('ncp_cache_export_stale_after_seconds')).toBe(26 * 3600);
    expect(value('ncp_cache_export_oldest_success_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('ncp_cache_export_oldest_success_age_seconds')).toBeLessThan(3600);

    // A worker's METRICS_PORT reports the same system-wide series.
    const port = (await worker.metrics)?.port;
    expect(port).toBeGreaterThan(0);
    const fromWorker = await scrape(`http://127.0.0.1:${port}`);
    const system = (e: Exposition) =>
      e.samples.filter(
        (s) =>
          s.name.startsWith('ncp_cache_export_') &&
          !s.name.includes('rate_') &&
          !s.name.endsWith('_age_seconds'),
      );
    expect(system(fromWorker)).toEqual(system(metrics));
    expect((await call(`http://127.0.0.1:${port}`, '/healthz')).status).toBe(200);
  });

  it('keeps the dashboard behind the token, read-only', async () => {
    const refused = await call(service.url, '/ui');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Basic realm="ncp-cache-export", charset="UTF-8"',
    );
    expect(
      (await call(service.url, '/ui', { headers: { authorization: basic('nope') } })).status,
    ).toBe(401);
    const page = await call(service.url, '/ui', { headers: { authorization: basic(TOKEN) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await call(service.url, '/ui', { token: TOKEN })).status).toBe(200);

    const queues = await call(service.url, '/ui/api/queues', { token: TOKEN });
    expect(queues.status).toBe(200);
    const listed = (queues.json as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    // The results queue is a record no worker consumes: left out, so it cannot look stuck.
    expect(listed.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual([
      ['cache-export', true],
      ['cache-export-discovery', true],
    ]);

    for (const path of [
      '/ui/api/queues/cache-export/pause',
      `/ui/api/queues/cache-export/${invalidId}/retry`,
      '/ui/api/queues/cache-export/clean/failed',
    ]) {
      const answer = await call(service.url, path, { method: 'PUT', token: TOKEN });
      expect(answer.status).toBe(403);
    }
    expect(await pipeline.producer.queue.isPaused()).toBe(false);
    expect(await pipeline.producer.queue.getJob(`${invalidId}~r1`)).toBeUndefined();
  });

  it('offers no change in the dashboard with UI_ALLOW_RETRY either: re-runs are on the page', async () => {
    const retrying = await startTestService({ ...env, API_TOKEN: TOKEN, UI_ALLOW_RETRY: 'true' });
    try {
      const options = { method: 'PUT', headers: { authorization: basic(TOKEN) } };
      const queues = await call(retrying.url, '/ui/api/queues', { headers: options.headers });
      const listed = (queues.json as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
      expect(listed.every((q) => q.readOnlyMode)).toBe(true);
      for (const path of [
        `/ui/api/queues/cache-export/${invalidId}/retry`,
        '/ui/api/queues/cache-export/retry/failed',
        '/ui/api/queues/cache-export/pause',
      ]) {
        const answer = await call(retrying.url, path, options);
        expect(answer.status).toBe(403);
        expect(answer.text).toContain('re-run failed exports on the page at /');
      }
      expect(await pipeline.producer.queue.getJob(`${invalidId}~r1`)).toBeUndefined();
    } finally {
      await retrying.close();
    }
  });

  it('shows a global throttle pause', async () => {
    emulator.configure({ retryAfter: 30, faults: { schedule: ['throttle'] } });
    await call(service.url, '/v1/exports', { token: TOKEN, body: request('1') });
    let pause = 0;
    await waitFor('the pause in the metrics', async () => {
      pause =
        sampleValue(await scrape(service.url), 'ncp_cache_export_throttle_pause_seconds') ?? 0;
      return pause > 0;
    });
    expect(pause).toBeGreaterThan(25);
    expect(pause).toBeLessThanOrEqual(30);
  });

  it('answers health and readiness without a token', async () => {
    expect((await call(service.url, '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await call(service.url, '/readyz');
    expect([ready.status, ready.json]).toEqual([200, { status: 'ok' }]);
    expect((await call(service.url, '/nowhere')).status).toBe(404);
  });
});
