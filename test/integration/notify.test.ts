/**
 * Webhook notifications against a real local HTTP receiver: failed exports batched across
 * workers, delivery off the export path with retries, discovery summaries, stale instances.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyConfig } from '../../shared/config.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { Ledger } from '../../shared/ledger/index.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { deliver } from '../../worker/notify/delivery.ts';
import type { Notification } from '../../worker/notify/messages.ts';
import { NOTIFY_QUEUE, Notifier } from '../../worker/notify/notifier.ts';
import { DEFAULT_CREDENTIALS, generateSeed } from '../emulator/index.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { deletePrefix, testRedisConfig, waitFor } from '../helpers/redis.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const HOUR_MS = 3_600_000;
const seed = generateSeed({ instances: 3, systemBackups: 1, apis: ['vredis'] });

describe('notifications from a worker', () => {
  let setup: EmulatorPipeline;
  let pipeline: Pipeline;
  let worker: ExportWorker;
  let receiver: WebhookReceiver;
  let redis: Redis;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('notify', { seed }, { maxAttempts: 1 });
    ({ pipeline } = setup);
    redis = new Redis(pipeline.redisUrl);
    // A webhook that takes the first message and never answers.
    receiver = await startWebhookReceiver(() => 'hang');
  });

  afterAll(async () => {
    await receiver?.close();
    await worker?.close();
    redis?.disconnect();
    await setup?.close();
  });

  it('sends a storm of failures as one message, and a hanging webhook holds no export up', async () => {
    worker = startInProcessWorker(pipeline, {
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_BATCH_SECONDS: '3600',
      NOTIFY_TIMEOUT_MS: '600000',
    });
    const file = seed.instances[0]!.backups[0]!.fileName;
    const bucket = seed.buckets[0]!;
    const unknown = Array.from({ length: 30 }, (_, i) => ({
      api: 'vredis' as const,
      instanceNo: String(900_000 + i),
      fileName: file,
      bucketName: bucket,
    }));
    const known = seed.instances.map((i) => ({
      api: 'vredis' as const,
      instanceNo: i.instanceNo,
      fileName: file,
      bucketName: bucket,
    }));
    await pipeline.producer.enqueue(unknown);
    const [first] = await receiver.waitFor(1);
    // The delivery hangs; exports enqueued now still finish, every one.
    await pipeline.producer.enqueue(known);
    await waitFor('33 outcomes', async () => (await pipeline.outcomeCount()) === 33);
    const notify = worker.notifier!;
    expect(await notify.queue.getJobCounts('active')).toEqual({ active: 1 });

    const message = first!.body as Notification & { type: 'export-failures'; text: string };
    expect(message).toMatchObject({ source: 'ncp-cache-export', type: 'export-failures' });
    expect(message.count).toBeGreaterThanOrEqual(1);
    expect(message.byKind).toEqual({ invalid: message.count });
    expect(message.sample[0]).toMatchObject({ api: 'vredis', regionCode: 'KR', kind: 'invalid' });
    expect(message.text).toMatch(/^ncp-cache-export: \d+ export\(s\) failed \(invalid \d+\)/);
    // Every other failure waits in Redis for the next period (an hour): none is lost.
    const counts = `${pipeline.prefix}:${NOTIFY_QUEUE}-failure-counts`;
    await waitFor('every failure counted', async () => {
      const pending = Number((await redis.hget(counts, 'count')) ?? 0);
      return message.count + pending === 30;
    });
    expect(await redis.pttl(`${pipeline.prefix}:${NOTIFY_QUEUE}-batch-lock`)).toBeGreaterThan(
      HOUR_MS - 60_000,
    );
    expect(await notify.flushFailures()).toBe(0);
    expect(receiver.received).toHaveLength(1);

    const body = JSON.stringify(first!.body);
    expect(body).not.toContain(DEFAULT_CREDENTIALS.accessKey);
    expect(body).not.toContain(DEFAULT_CREDENTIALS.secretKey);
    expect(body).not.toContain('secret-path-token');
    expect(first!.headers['content-type']).toBe('application/json');
  });
});

describe('notifier', () => {
  const config = testRedisConfig('notifier');
  const logger = pino({ level: 'silent' });
  const notifyConfig = (url: string, extra: Partial<NotifyConfig> = {}): NotifyConfig => ({
    webhookUrl: url,
    format: 'json',
    batchSeconds: 1,
    staleCheckSeconds: 1,
    maxAttempts: 4,
    timeoutMs: 5000,
    ...extra,
  });
  const open: { close(): Promise<void> }[] = [];
  let connection: Redis;

  beforeAll(() => {
    connection = new Redis(config.url);
  });

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    await deletePrefix(config.url, config.prefix);
  });

  afterAll(() => connection.disconnect());

  function notifier(url: string, extra: Partial<NotifyConfig> = {}, start = false) {
    const ledger = new Ledger({
      connection,
      prefix: config.prefix,
      policy: { keepCompletedSeconds: 60, keepFailedSeconds: 60 },
      onRecord: (kind, record) => made.recorded(kind, record),
    });
    const made = new Notifier({
      config: notifyConfig(url, extra),
      redis: config,
      connection,
      ledger,
      staleAfterMs: 26 * HOUR_MS,
      logger,
      backoffMs: 50,
      pollMs: 50,
    });
    open.push(ledger, made);
    if (start) made.start();
    return { ledger, notifier: made };
  }

  it('lets one worker of many send the batch, at most once a period', async () => {
    // A period of an hour, ended below by removing its lock, as its expiry would.
    const a = notifier('http://127.0.0.1:9/unused', { batchSeconds: 3600 });
    const b = notifier('http://127.0.0.1:9/unused', { batchSeconds: 3600 });
    const now = Date.now();
    for (let i = 0; i < 10; i += 1) {
      await a.ledger.recordExport(
        exportOutcome({
          jobId: `f${i}`,
          status: 'failed',
          instanceNo: String(i),
          finishedAt: new Date(now).toISOString(),
        }),
      );
    }
    // A repeat of a recorded failure adds nothing.
    await a.ledger.recordExport(
      exportOutcome({ jobId: 'f0', status: 'failed', finishedAt: new Date(now).toISOString() }),
    );
    await waitFor('10 pending', async () => {
      const count = await connection.hget(
        `${config.prefix}:${NOTIFY_QUEUE}-failure-counts`,
        'count',
      );
      return count === '10';
    });
    const taken = await Promise.all([a.notifier.flushFailures(), b.notifier.flushFailures()]);
    expect(taken.sort()).toEqual([0, 10]);
    const jobs = await a.notifier.queue.getJobs(['waiting']);
    expect(jobs.map((j) => [j.name, (j.data as { count: number }).count])).toEqual([
      ['export-failures', 10],
    ]);
    // More failures within the period wait for it to end.
    for (let i = 10; i < 15; i += 1) {
      await b.ledger.recordExport(
        exportOutcome({
          jobId: `f${i}`,
          status: 'failed',
          finishedAt: new Date(now).toISOString(),
        }),
      );
    }
    await waitFor('5 pending', async () => {
      const count = await connection.hget(
        `${config.prefix}:${NOTIFY_QUEUE}-failure-counts`,
        'count',
      );
      return count === '5';
    });
    expect(await b.notifier.flushFailures()).toBe(0);
    const lock = `${config.prefix}:${NOTIFY_QUEUE}-batch-lock`;
    expect(await connection.pttl(lock)).toBeGreaterThan(HOUR_MS - 60_000);
    await connection.del(lock);
    expect(await b.notifier.flushFailures()).toBe(5);
    expect(await a.notifier.flushFailures()).toBe(0);
  });

  it('retries a failing webhook with backoff until it takes the message', async () => {
    const receiver = await startWebhookReceiver((n) => (n <= 2 ? 503 : 200));
    open.push(receiver);
    const { ledger, notifier: made } = notifier(receiver.url, {}, true);
    await ledger.recordDiscovery(discovery('discover-1'));
    const [first, second, third] = await receiver.waitFor(3);
    expect([first!.answer, second!.answer, third!.answer]).toEqual([503, 503, 200]);
    expect(third!.body).toEqual(first!.body);
    expect(third!.body).toMatchObject({
      type: 'discovery',
      jobId: 'discover-1',
      schedule: 'nightly',
      status: 'partial',
      exportsEnqueued: 3,
      problems: 1,
    });
    expect((third!.body as { text: string }).text).toBe(
      'ncp-cache-export: schedule nightly partial: 4 instances seen, 4 matched, 3 files chosen, 3 enqueued, 0 already queued, 1 problems',
    );
    await waitFor(
      'the job completed',
      async () => (await made.queue.getJobCounts('completed')).completed === 1,
    );
    const [job] = await made.queue.getJobs(['completed']);
    expect(job!.attemptsMade).toBe(3);
  });

  it('does not retry an answer no retry can change, and names only the origin', async () => {
    const receiver = await startWebhookReceiver(() => 404);
    open.push(receiver);
    const config = notifyConfig(receiver.url);
    const message: Notification = { type: 'export-failures', count: 1, byKind: {}, sample: [] };
    const error = await deliver(config, message).catch((e: Error) => e);
    expect(error).toMatchObject({
      name: 'UnrecoverableError',
      message: `webhook ${new URL(receiver.url).origin} answered HTTP 404; not retried`,
    });
    expect(String(error)).not.toContain('secret-path-token');
    expect(receiver.received).toHaveLength(1);
    // Nobody listening: a transient error, retried.
    const refused = await deliver(notifyConfig('http://127.0.0.1:9/x'), message).catch(
      (e: Error) => e,
    );
    expect(refused).toMatchObject({
      name: 'Error',
      message: 'webhook http://127.0.0.1:9 could not connect',
    });
  });

  it('posts a Slack-compatible body', async () => {
    const receiver = await startWebhookReceiver();
    open.push(receiver);
    await deliver(notifyConfig(receiver.url, { format: 'slack' }), {
      type: 'export-failures',
      count: 1,
      byKind: { auth: 1 },
      sample: [
        {
          jobId: 'j',
          api: 'vredis',
          regionCode: 'KR',
          instanceNo: '1',
          fileName: 'f',
          kind: 'auth',
          code: '401',
          message: 'Authentication Failed',
          finishedAt: '2026-12-01T00:00:00.000Z',
        },
      ],
    });
    expect(receiver.received[0]!.body).toEqual({
      text: 'ncp-cache-export: 1 export(s) failed (auth 1)\n• vredis/KR/1 f: auth/401: Authentication Failed',
    });
  });

  it('names instances once when they go stale, one worker checking at a time', async () => {
    const a = notifier('http://127.0.0.1:9/unused');
    const b = notifier('http://127.0.0.1:9/unused');
    const [seconds] = await connection.time();
    const now = Number(seconds) * 1000;
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR_MS).toISOString();
    await a.ledger.recordExport(
      exportOutcome({ jobId: 's1', status: 'succeeded', instanceNo: '1', finishedAt: at(48) }),
    );
    await a.ledger.recordExport(
      exportOutcome({ jobId: 's2', status: 'succeeded', instanceNo: '2', finishedAt: at(1) }),
    );
    await a.ledger.recordExport(
      exportOutcome({ jobId: 's3', status: 'failed', instanceNo: '3', finishedAt: at(1) }),
    );

    const found = await Promise.all([a.notifier.checkStale(), b.notifier.checkStale()]);
    expect(found.sort()).toEqual([0, 2]);
    const jobs = await a.notifier.queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data).toMatchObject({
      type: 'stale-instances',
      count: 2,
      totalStale: 2,
      staleAfterSeconds: 26 * 3600,
      instances: [
        { instanceNo: '3', lastSuccessAt: null },
        { instanceNo: '1', lastSuccessAt: at(48) },
      ],
    });
    // Next check: nothing new. Then instance 2 goes stale (its success is now 30 h old).
    await waitFor('the check period to end', async () => {
      return (await connection.exists(`${config.prefix}:${NOTIFY_QUEUE}-stale-lock`)) === 0;
    });
    expect(await a.notifier.checkStale()).toBe(0);
    await connection.del(`${config.prefix}:${NOTIFY_QUEUE}-stale-lock`);
    await connection.hset(
      `${config.prefix}:cache-export-results-summary:vredis~KR~2`,
      'ok_at',
      now - 30 * HOUR_MS,
    );
    await connection.zadd(
      `${config.prefix}:cache-export-results-summary-index`,
      now - 30 * HOUR_MS,
      'vredis~KR~2',
    );
    expect(await b.notifier.checkStale()).toBe(1);
  });
});

function discovery(jobId: string): DiscoveryOutcome {
  return {
    jobId,
    request: { api: 'vredis', bucketName: 'cache-backup', schedule: 'nightly' },
    status: 'partial',
    dryRun: false,
    instancesSeen: 4,
    instancesMatched: 4,
    filesChosen: 3,
    exportsEnqueued: 3,
    exportsDuplicate: 0,
    instances: [],
    errors: [
      { instanceNo: '1', kind: 'protocol', code: 'NO_FILE_NAME', message: 'x', retryable: false },
    ],
    attempts: 1,
    enqueuedAt: '2026-12-01T00:00:00.000Z',
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:00:01.000Z',
  } as DiscoveryOutcome;
}
