/**
 * The auth circuit breaker end to end: a wrong secret key pauses every worker after a few auth
 * errors; the jobs stay queued, `status`, `/readyz` and the error log say so (naming the access
 * key id, never the secret); a worker with the fixed key lifts the pause with its probe call,
 * and `resume-auth` lifts it by command.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderStatus } from '../../cli/commands/status.ts';
import { readStatus } from '../../producer/status.ts';
import {
  loadJobPolicy,
  loadNcpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import { limiterKeys } from '../../shared/limiter-keys.ts';
import { type ExportWorker, startExportWorker } from '../../worker/export-worker.ts';
import { DEFAULT_CREDENTIALS, type Emulator, generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { call, startTestService } from '../helpers/http-service.ts';
import { type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 30, systemBackups: 1 });
const requests = requestsFromSeed(seed);
const WRONG = 'not-the-secret-key';

describe('auth circuit breaker', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  const workers: ExportWorker[] = [];
  let logged = '';

  beforeEach(async () => {
    setup = await startEmulatorPipeline('authpause', { seed });
    ({ emulator, pipeline } = setup);
    logged = '';
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await setup?.close();
  });

  function worker(extra: Record<string, string>): ExportWorker {
    const env = pipeline.workerEnv({
      NCP_RATE_LIMIT: '50',
      WORKER_CONCURRENCY: '2',
      NCP_AUTH_PAUSE_AFTER: '3',
      NCP_AUTH_PROBE_INTERVAL_MS: '1000',
      ...extra,
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const started = startExportWorker({
      ncp: loadNcpConfig(env),
      redis: loadRedisConfig(env),
      worker: loadWorkerConfig(env),
      policy: loadJobPolicy(env),
      logger: pino({ level: 'info' }, sink),
    });
    workers.push(started);
    return started;
  }

  const authPause = async () => (await readStatus(pipeline.producer)).throttle;

  it('pauses every worker after repeated auth errors; jobs wait; the fixed key lifts it', async () => {
    await pipeline.producer.enqueue(requests);
    const wrong = worker({ NCP_SECRET_KEY: WRONG });
    await waitFor('the auth pause', async () => (await authPause()).authPause !== undefined);
    await waitFor('the worker to stop taking jobs', () => wrong.worker.isPaused());
    await waitFor(
      'no active job',
      async () => (await pipeline.producer.queue.getActiveCount()) === 0,
    );
    // The errors that tripped it (and calls already in flight) failed; nothing else did.
    const failed = await pipeline.producer.queue.getFailedCount();
    expect(failed).toBeGreaterThanOrEqual(3);
    expect(failed).toBeLessThanOrEqual(3 + 2);
    const outcomes = await pipeline.outcomes();
    expect(outcomes).toHaveLength(failed);
    expect(outcomes.every((o) => o.error?.kind === 'auth' && o.error.code === '200')).toBe(true);
    const counts = await pipeline.producer.queue.getJobCounts('waiting', 'delayed', 'prioritized');
    expect((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)).toBe(
      requests.length - failed,
    );

    // Loud: status, the error log naming the access key id, never the secret.
    const { authPause: pause } = await authPause();
    expect(pause).toMatchObject({ accessKeyId: DEFAULT_CREDENTIALS.accessKey, code: '200' });
    const snapshot = await readStatus(pipeline.producer);
    expect(renderStatus(snapshot)).toContain(
      `AUTH PAUSE since ${pause?.since}: NCP refused access key ${DEFAULT_CREDENTIALS.accessKey}`,
    );
    const errors = logged.split('\n').filter((line) => line.includes('"level":50'));
    expect(errors.some((line) => line.includes(DEFAULT_CREDENTIALS.accessKey))).toBe(true);
    expect(logged).not.toContain(WRONG);

    // The paused worker keeps probing with its wrong key: still refused, still paused.
    const refusedBefore = emulator.stats().badSignatures;
    await waitFor('a probe call', () => emulator.stats().badSignatures > refusedBefore);
    expect((await authPause()).authPause).toBeDefined();
    expect(await pipeline.producer.queue.getFailedCount()).toBe(failed);

    // A worker with the right key: its probe authenticates, everyone resumes, all finish.
    await wrong.close();
    worker({});
    await waitFor(
      'every export to finish',
      async () => (await pipeline.outcomeCount()) === requests.length,
      30_000,
    );
    expect((await authPause()).authPause).toBeUndefined();
    const all = await pipeline.outcomes();
    expect(all.filter((o) => o.status === 'succeeded')).toHaveLength(requests.length - failed);
  });

  it('is lifted by `resume-auth`, and /readyz answers 503 while it holds', async () => {
    await pipeline.producer.enqueue(requests.slice(0, 5));
    worker({ NCP_SECRET_KEY: WRONG, WORKER_CONCURRENCY: '1' });
    await waitFor('the auth pause', async () => (await authPause()).authPause !== undefined);
    const env = {
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      API_TOKEN: 'token-for-the-test-000000000000',
    };
    const { authPause: pause } = await authPause();
    const service = await startTestService(env);
    try {
      const ready = await call(service.url, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: 'auth_paused' });
      const metrics = await call(service.url, '/metrics');
      expect(metrics.text).toMatch(/^ncp_cache_export_auth_paused 1$/m);

      const run = await runCli(['resume-auth'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        `auth pause lifted (it began ${pause?.since} after 3 auth errors for access key ${DEFAULT_CREDENTIALS.accessKey})`,
      );
      expect(await pipeline.producer.redis.exists(limiterKeys(pipeline.prefix).auth)).toBe(0);
      expect((await authPause()).authPause).toBeUndefined();
      expect((await call(service.url, '/readyz')).status).toBe(200);
      expect((await runCli(['resume-auth'], env)).stdout).toBe('no auth pause in force\n');
    } finally {
      await service.close();
    }
  });
});
