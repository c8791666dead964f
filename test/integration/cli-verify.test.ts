/**
 * `verify` and `landing-check` over exports a real worker had NCP (the emulator) accept, looking
 * in the emulator's Object Storage: landed, not landed, never checked; JSON lines and table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportWorker } from '../../worker/export-worker.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  startEmulator,
} from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { settledOutcomes, startLandingPipelineWorker } from '../helpers/landing.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 3, systemBackups: 1, apis: ['vredis'] });
const requests = requestsFromSeed(seed);
const never = requests[2]!;

describe('verify and landing-check', () => {
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator({ seed, objectStorage: { delayMs: 0, growMs: 0 } });
    pipeline = await openPipeline('cli-verify', emulator);
    env = {
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      NCP_REGION: 'KR',
      NCP_ACCESS_KEY: DEFAULT_CREDENTIALS.accessKey,
      NCP_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey,
      NCP_API_URL: emulator.url,
      OBJECT_STORAGE_URL: emulator.objectStorage!.url,
      EXPORT_LANDING_KEY: '{instanceNo}/{fileName}',
    };
    worker = startLandingPipelineWorker(pipeline, emulator, {
      ...env,
      EXPORT_LANDING_TIMEOUT: '5s',
    });
    await pipeline.producer.enqueue(requests.slice(0, 2));
    await waitFor('two exports accepted', async () => (await pipeline.outcomeCount()) >= 2);
    emulator.objectStorage!.configure({ neverRate: 1 });
    await pipeline.producer.enqueue([never]);
    await waitFor('the third accepted', async () => (await pipeline.outcomeCount()) >= 3);
  });

  afterAll(async () => {
    await worker?.close();
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('prints one JSON line per export when piped, and fails when one did not land', async () => {
    const run = await runCli(['verify'], env);
    expect(run.code).toBe(1);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(3);
    const byInstance = new Map(rows.map((row) => [row.instanceNo, row]));
    for (const request of requests.slice(0, 2)) {
      expect(byInstance.get(request.instanceNo)).toMatchObject({
        state: 'landed',
        key: `${request.instanceNo}/${request.fileName}`,
        size: expect.any(Number),
      });
    }
    expect(byInstance.get(never.instanceNo)).toMatchObject({
      state: 'not-landed',
      looked: `key ${never.instanceNo}/${never.fileName}`,
    });
    expect(run.stderr).toContain('3 exports: 2 landed, 1 not landed, 0 not checked');
  });

  it('prints a table, filtered by instance', async () => {
    const run = await runCli(
      ['verify', '--format', 'table', '--instance', requests[0]!.instanceNo],
      env,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FINISHED\s+STATE\s+RECORDED\s+INSTANCE\s+BUCKET\s+SIZE\s+KEY/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(' landed ');
    expect(lines[1]).toContain(`${requests[0]!.instanceNo}/${requests[0]!.fileName}`);
  });

  it('says not-checked for every export without Object Storage, and filters by time', async () => {
    const off = { ...env, EXPORT_LANDING_CHECK: 'off' };
    const run = await runCli(['verify', '--state', 'not-checked'], off);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
    expect(run.stderr).toContain('no Object Storage configured');
    const none = await runCli(['verify', '--until', '2000-01-01'], env);
    expect([none.code, none.stdout]).toEqual([0, '']);
    const bad = await runCli(['verify', '--until', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--until');
  });

  it('landing-check shows what the check looks for and what it finds', async () => {
    const outcomes = await pipeline.outcomes();
    const landed = outcomes.find(
      (o) => (o.request as { instanceNo: string }).instanceNo === requests[0]!.instanceNo,
    )!;
    const run = await runCli(['landing-check', landed.jobId], env);
    expect(run.code).toBe(0);
    const explained = JSON.parse(run.stdout);
    const key = `${requests[0]!.instanceNo}/${requests[0]!.fileName}`;
    expect(explained).toMatchObject({
      jobId: landed.jobId,
      keyTemplate: '{instanceNo}/{fileName}',
      endpoint: emulator.objectStorage!.url,
      looked: `key ${key}`,
      match: { key },
    });
    expect(explained.holdingFileName.map((o: { key: string }) => o.key)).toContain(key);
    expect(run.stdout).not.toContain(DEFAULT_CREDENTIALS.secretKey);
    const missing = await runCli(['landing-check', 'no-such-job'], env);
    expect(missing.code).toBe(2);
  });

  it('lists and re-runs the accepted exports that never landed', async () => {
    const outcomes = await settledOutcomes(pipeline, 3);
    const lost = outcomes.find((o) => o.landing?.state === 'not-landed')!;
    const landed = outcomes.find((o) => o.landing?.state === 'landed')!;
    expect((lost.request as { instanceNo: string }).instanceNo).toBe(never.instanceNo);
    const listed = await runCli(['results', '--landing', 'not-landed'], env);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).jobId),
    ).toEqual([lost.jobId]);
    const plan = await runCli(['retry', '--all', '--not-landed', '--dry-run'], env);
    expect(plan.stdout.trim()).toBe(`would retry ${lost.jobId} as ${lost.jobId}~r1`);
    const refused = await runCli(['retry', '--not-landed', landed.jobId], env);
    expect(refused.stderr).toContain(`skipped ${landed.jobId}: its landing is landed`);
    // Failures alone, as before: an export that never landed still succeeded at NCP.
    const failures = await runCli(['retry', '--all', '--dry-run'], env);
    expect(failures.stdout).toBe('');
  }, 60_000);
});
