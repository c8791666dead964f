/** `results`, `retry` and `status` over outcomes a real worker wrote. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const seed = generateSeed({ instances: 3, systemBackups: 1, apis: ['vredis'] });
const [a, b] = seed.instances;
const request = (instanceNo: string) => ({
  api: 'vredis',
  instanceNo,
  fileName: a!.backups[0]!.fileName,
  bucketName: seed.buckets[0]!,
});

describe('results, retry and status', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker;
  let env: Record<string, string>;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('results', { seed }, { maxAttempts: 1 });
    ({ emulator, pipeline } = setup);
    // One attempt per job, so the scheduled 503 fails its export for good.
    env = setup.env;
    emulator.configure({ faults: { schedule: ['http503'] } });
    // The 503 lands on whichever call comes first: enqueue that one alone.
    await pipeline.producer.enqueue([request(a!.instanceNo)]);
    worker = startInProcessWorker(pipeline, { WORKER_CONCURRENCY: '1' });
    await waitFor('first outcome', async () => (await pipeline.outcomeCount()) >= 1);
    await pipeline.producer.enqueue([request(b!.instanceNo), request('999999')]);
    await waitFor('three outcomes', async () => (await pipeline.outcomeCount()) >= 3);
  });

  afterAll(async () => {
    await worker?.close();
    await setup?.close();
  });

  it('prints outcomes as JSON lines by default when not on a terminal', async () => {
    const run = await runCli(['results'], env);
    expect(run.code).toBe(0);
    const outcomes = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Outcome);
    expect(outcomes.map((o) => [o.request.instanceNo, o.status, o.error?.kind ?? null])).toEqual([
      [a!.instanceNo, 'failed', 'server'],
      [b!.instanceNo, 'succeeded', null],
      ['999999', 'failed', 'invalid'],
    ]);
  });

  it('filters by status and kind, and writes CSV', async () => {
    const run = await runCli(
      ['results', '--status', 'failed', '--kind', 'server', '--format', 'csv'],
      env,
    );
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'jobId,status,api,regionCode,instanceNo,backupTypeMode,fileName,bucketName,attempts,httpStatus,requestId,returnCode,errorKind,errorCode,errorMessage,enqueuedAt,startedAt,finishedAt,meta,landingState,landingKey,landingSize',
    );
    expect(lines[1]).toContain(`,failed,vredis,KR,${a!.instanceNo},SYSTEM,`);
    expect(lines[1]).toContain(',1,503,,,server,500,');

    const future = await runCli(['results', '--since', '2999-01-01'], env);
    expect(future.stdout).toBe('');
    const bad = await runCli(['results', '--kind', 'cosmic'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kind: "cosmic" is not one of auth, throttled');
  });

  it('retries failures of the chosen kinds once, each re-run writing a new outcome', async () => {
    const dry = await runCli(['retry', '--all', '--kind', 'server', '--dry-run'], env);
    const failedId = `vredis~KR~${a!.instanceNo}~SYSTEM~${request('').fileName}~${seed.buckets[0]}`;
    expect(dry.stdout).toBe(`would retry ${failedId} as ${failedId}~r1\n`);

    const run = await runCli(['retry', '--all', '--kind', 'server'], env);
    expect(run.stdout).toBe(`retrying ${failedId} as ${failedId}~r1\n`);
    await waitFor('the re-run outcome', async () => (await pipeline.outcomeCount()) >= 4);
    const rerun = (await pipeline.outcomes()).find((o) => o.jobId === `${failedId}~r1`);
    expect(rerun).toMatchObject({ status: 'succeeded', request: { instanceNo: a!.instanceNo } });

    const again = await runCli(['retry', '--all', '--kind', 'server'], env);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain(`skipped ${failedId}: already re-run as ${failedId}~r1`);

    const byId = await runCli(['retry', `${failedId}~r1`], env);
    expect(byId.stderr).toContain(`skipped ${failedId}~r1: it succeeded`);
  });

  it('shows each run by its job id, with its region, in the table and the CSV', async () => {
    const failedId = `vredis~KR~${a!.instanceNo}~SYSTEM~${request('').fileName}~${seed.buckets[0]}`;
    const table = await runCli(['results', '--format', 'table', '--kind', 'server'], env);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^FINISHED +STATUS +LANDING +REGION JOB ID +TRIES HTTP RESULT$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      new RegExp(`^\\S+ \\S+ +failed +- +KR +${failedId} +1 +503 +server/500: `),
    );
    const all = await runCli(['results', '--format', 'table'], env);
    expect(all.stdout).toMatch(new RegExp(`succeeded not-checked KR +${failedId}~r1 +1 +200 `));
    const csv = await runCli(['results', '--format', 'csv', '--status', 'succeeded'], env);
    expect(csv.stdout).toContain(`\n${failedId}~r1,succeeded,vredis,KR,${a!.instanceNo},`);
  });

  it('refuses a retry naming a job id with no outcome, re-running nothing', async () => {
    const failedId = `vredis~KR~999999~SYSTEM~${request('').fileName}~${seed.buckets[0]}`;
    const run = await runCli(['retry', failedId, 'no-such-job'], env);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain('retry: no outcome for no-such-job: not finished yet');
    expect(await pipeline.producer.existingIds([`${failedId}~r1`], { records: true })).toEqual(
      new Set(),
    );
  });

  it('reports counts per state and recent errors', async () => {
    const run = await runCli(['status', '--json'], env);
    const status = JSON.parse(run.stdout);
    expect(status.exports).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
      completed: 2,
      failed: 2,
    });
    expect(status.outcomes).toBe(4);
    expect(status.recentErrors).toEqual({ server: 1, invalid: 1 });
    expect(status.workers).toBeGreaterThanOrEqual(1);
    const text = await runCli(['status'], env);
    expect(text.stdout).toContain('completed 2  failed 2');
    expect(text.stdout).toContain('errors     invalid 1, server 1 (last 4 outcomes)');
  });
});
