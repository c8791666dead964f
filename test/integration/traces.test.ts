/**
 * Traces end to end: `enqueue` (a CLI process) and a worker process, both with OTEL_* set, send
 * their spans to a local OTLP/HTTP receiver; the worker calls the emulator through a tap that
 * notes every signature it sends. One export meets a 429 (repeated in the attempt) and a 503
 * (a second attempt). And with traces off, nothing is sent and no SDK is loaded.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CREDENTIALS, generateSeed } from '../emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../helpers/emulator-process.ts';
import { type HeaderTap, startHeaderTap } from '../helpers/header-tap.ts';
import { call, startTestService } from '../helpers/http-service.ts';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from '../helpers/otlp-receiver.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { spawnCli } from '../helpers/spawn-cli.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const SIGNATURE = 'x-ncp-apigw-signature-v2';
const HOOK = new URL('../helpers/loaded-packages.ts', import.meta.url).pathname;
const seed = generateSeed({ instances: 2, systemBackups: 1, apis: ['vredis'] });

describe('a trace per export, from enqueue through every attempt and NCP call', () => {
  let emulator: EmulatorProcess;
  let tap: HeaderTap;
  let receiver: OtlpReceiver;
  let pipeline: Pipeline;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    emulator = await startEmulatorProcess(seed, ['--latency', '5']);
    tap = await startHeaderTap(emulator.url, SIGNATURE);
    receiver = await startOtlpReceiver();
    pipeline = await openPipeline('traces', { url: tap.url }, { maxAttempts: 3 });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await pipeline?.cleanup();
    await tap?.close();
    await receiver?.close();
    await emulator?.close();
  });

  const otel = () => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });

  it('joins enqueue, both attempts and the three calls in one trace, with no secret', async () => {
    const [request] = requestsFromSeed(seed);
    // The first call is throttled (repeated within the attempt), the second fails with a 503
    // (the attempt fails; BullMQ retries), the third succeeds.
    await emulator.configure({ faults: { schedule: ['throttle', 'http503'] } });
    const env = pipeline.workerEnv(otel());
    const enqueued = await spawnCli(
      [
        'enqueue',
        '--json',
        ...['--api', request!.api, '--instance', request!.instanceNo],
        ...['--file', request!.fileName, '--bucket', request!.bucketName],
        ...['--region', request!.regionCode ?? 'KR'],
      ],
      {
        REDIS_URL: env.REDIS_URL!,
        QUEUE_PREFIX: env.QUEUE_PREFIX!,
        ...otel(),
        // A secret in the environment of a producer never reaches a span either.
        NCP_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey,
      },
    );
    expect(enqueued.stderr).toBe('');
    expect(enqueued.code).toBe(0);
    const jobId = (JSON.parse(enqueued.stdout) as { jobId: string }).jobId;

    workers.push(await startWorkerProcess(env));
    await waitFor('the outcome', async () => (await pipeline.outcomeCount()) >= 1, 30_000, 100);
    const [outcome] = await pipeline.outcomes();
    expect(outcome).toMatchObject({ jobId, status: 'succeeded', attempts: 2 });
    // The worker sends what it buffered when it stops.
    expect(await stopWorkerProcess(workers.pop()!)).toEqual({ code: 0, signal: null });

    const spans = receiver.spans();
    if (process.env.DUMP_SPANS) console.log(JSON.stringify(spans, null, 1));
    const enqueue = only(spans, (span) => span.name === 'enqueue export');
    expect(enqueue.service).toBe('ncp-cache-export-producer');
    expect(enqueue.parentSpanId).toBe('');
    expect(enqueue.attributes).toMatchObject({
      'ncp_cache_export.job_id': jobId,
      'ncp_cache_export.added': true,
      'ncp.instance_no': request!.instanceNo,
    });
    const trace = spans.filter((span) => span.traceId === enqueue.traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);

    // Each attempt: BullMQ's `process` span, in this trace, with ours as its child.
    const attempts = trace
      .filter((span) => span.name === 'export attempt')
      .sort(
        (a, b) =>
          Number(a.attributes['ncp_cache_export.attempt']) -
          Number(b.attributes['ncp_cache_export.attempt']),
      );
    expect(attempts.map((span) => span.attributes['ncp_cache_export.attempt'])).toEqual([1, 2]);
    expect(attempts.map((span) => span.attributes['ncp_cache_export.attempt_result'])).toEqual([
      'retry',
      'succeeded',
    ]);
    for (const attempt of attempts) {
      expect(attempt.service).toBe('ncp-cache-export-worker');
      expect(attempt.attributes['ncp_cache_export.job_id']).toBe(jobId);
      expect(parentOf(attempt)?.name).toBe('process cache-export');
    }

    // Every NCP call is a child of its attempt, with what the logs say of it.
    const calls = trace.filter((span) => span.name === 'ncp GET exportBackupToObjectStorage');
    expect(calls).toHaveLength(3);
    const summary = calls
      .map(
        (span): Record<string, unknown> => ({
          parent: parentOf(span)?.attributes['ncp_cache_export.attempt'],
          ...span.attributes,
        }),
      )
      .sort(
        (a, b) => Number(a['http.response.status_code']) - Number(b['http.response.status_code']),
      );
    expect(summary).toEqual([
      expect.objectContaining({
        parent: 2,
        'ncp_cache_export.attempt': 2,
        'http.request.method': 'GET',
        'url.path': '/vredis/v2/exportBackupToObjectStorage',
        'http.response.status_code': 200,
        'ncp.return_code': '0',
        'ncp.throttled': false,
      }),
      expect.objectContaining({
        parent: 1,
        'ncp_cache_export.attempt': 1,
        'http.response.status_code': 429,
        'error.type': 'throttled',
        'ncp.throttled': true,
      }),
      expect.objectContaining({
        parent: 1,
        'ncp_cache_export.attempt': 1,
        'http.response.status_code': 503,
        'error.type': 'server',
        'ncp.error_code': expect.any(String),
        'ncp.throttled': false,
      }),
    ]);
    for (const call of calls) expect(String(call.attributes['url.path'])).not.toContain('?');

    // No secret anywhere in what was sent: not the keys, not one of the signatures sent.
    expect(tap.values.length).toBeGreaterThanOrEqual(3);
    const everything = receiver.bodies.join('\n');
    for (const secret of [
      DEFAULT_CREDENTIALS.secretKey,
      DEFAULT_CREDENTIALS.accessKey,
      ...tap.values,
      SIGNATURE,
    ]) {
      expect(everything).not.toContain(secret);
    }
  }, 90_000);

  it('enqueues all the same when the collector is unreachable, and says so', async () => {
    const receiverGone = await startOtlpReceiver();
    await receiverGone.close();
    const [, request] = requestsFromSeed(seed);
    const env = pipeline.workerEnv();
    const run = await spawnCli(
      [
        'enqueue',
        ...['--api', request!.api, '--instance', request!.instanceNo],
        ...['--file', request!.fileName, '--bucket', request!.bucketName, '--force'],
      ],
      {
        REDIS_URL: env.REDIS_URL!,
        QUEUE_PREFIX: env.QUEUE_PREFIX!,
        NCP_REGION: 'KR',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiverGone.url,
        // The exporter gives up in 1 s (the command waits at most 5 s for it in any case).
        OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: traces not sent to the collector: .+\n$/);
    const jobId = run.stdout.trim();
    expect(await pipeline.producer.existingIds([jobId])).toEqual(new Set([jobId]));
    await pipeline.producer.queue.remove(jobId);
  });

  it('starts the trace of an export enqueued over HTTP, without the API token', async () => {
    const token = 'traces-test-token-0123456789';
    const before = receiver.bodies.length;
    const service = await startTestService({
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      NCP_REGION: 'KR',
      API_TOKEN: token,
      ...otel(),
    });
    let jobId = '';
    try {
      const [, request] = requestsFromSeed(seed);
      const answer = await call(service.url, '/v1/exports?force=true', {
        token,
        body: { ...request, meta: { note: 'over HTTP' } },
      });
      expect(answer.status).toBe(202);
      [{ jobId }] = (answer.json as { jobs: [{ jobId: string }] }).jobs;
    } finally {
      await service.close(); // sends the spans it holds
    }
    const received = receiver.bodies.slice(before).join('\n');
    const spans = receiver
      .spans()
      .filter((span) => span.attributes['ncp_cache_export.job_id'] === jobId);
    expect(spans.map((span) => [span.name, span.service])).toEqual([
      ['enqueue export', 'ncp-cache-export-producer'],
    ]);
    expect(received).not.toContain(token);
    await pipeline.producer.queue.remove(jobId);
  });

  it('sends nothing and loads no SDK when traces are off', async () => {
    const file = join(tmpdir(), `ncp-traces-off-${process.pid}.txt`);
    const before = receiver.bodies.length;
    const [, request] = requestsFromSeed(seed);
    await pipeline.producer.enqueue([request]);
    const worker = await startWorkerProcess(
      pipeline.workerEnv({
        ...otel(),
        OTEL_SDK_DISABLED: 'true',
        NODE_OPTIONS: `--import ${HOOK}`,
        LOADED_PACKAGES_FILE: file,
      }),
    );
    workers.push(worker);
    await waitFor('the outcome', async () => (await pipeline.outcomeCount()) >= 2, 30_000, 100);
    expect(await stopWorkerProcess(workers.pop()!)).toEqual({ code: 0, signal: null });
    const packages = readFileSync(file, 'utf8').split('\n');
    rmSync(file, { force: true });
    expect(packages).toContain('bullmq');
    expect(
      packages.filter((name) =>
        /^@opentelemetry\/(sdk|exporter|otlp|context|core|resources)|^bullmq-otel$/.test(name),
      ),
    ).toEqual([]);
    expect(receiver.bodies.length).toBe(before);
  }, 60_000);
});

function only(spans: ReceivedSpan[], test: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(test);
  expect(found).toHaveLength(1);
  return found[0]!;
}
