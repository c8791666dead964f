/** `report`: one row per instance from the ledger's summaries, as records are written. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRow } from '../../producer/report/rows.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

const HOUR_MS = 3_600_000;
const seed = generateSeed({ instances: 2, systemBackups: 1, apis: ['vredis'] });
const [a] = seed.instances;

describe('report', () => {
  let setup: EmulatorPipeline;
  let pipeline: Pipeline;
  let worker: ExportWorker;
  let env: Record<string, string>;
  let now: number;

  beforeAll(async () => {
    setup = await startEmulatorPipeline('report', { seed }, { maxAttempts: 1 });
    ({ pipeline } = setup);
    env = setup.env;
    // Exports a real worker finishes: a success, and a failure for an unknown instance.
    await pipeline.producer.enqueue([
      {
        api: 'vredis',
        instanceNo: a!.instanceNo,
        fileName: a!.backups[0]!.fileName,
        bucketName: seed.buckets[0]!,
      },
      { api: 'vredis', instanceNo: '999999', fileName: 'f1', bucketName: seed.buckets[0]! },
    ]);
    worker = startInProcessWorker(pipeline);
    await waitFor('two outcomes', async () => (await pipeline.outcomeCount()) >= 2);
    // An instance whose last success is two days old, on the product's (Redis') clock.
    const [seconds] = await pipeline.producer.redis.time();
    now = Number(seconds) * 1000;
    await pipeline.producer.ledger.recordExport(
      exportOutcome({
        jobId: 'old-1',
        status: 'succeeded',
        instanceNo: '555',
        finishedAt: new Date(now - 48 * HOUR_MS).toISOString(),
      }),
    );
  });

  afterAll(async () => {
    await worker?.close();
    await setup?.close();
  });

  const rowsOf = (stdout: string) => JSON.parse(stdout) as ReportRow[];

  it('prints one JSON row per instance, never-exported and oldest first', async () => {
    const run = await runCli(['report'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = rowsOf(run.stdout);
    expect(rows.map((r) => [r.instanceNo, r.stale])).toEqual([
      ['999999', true],
      ['555', true],
      [a!.instanceNo, false],
    ]);
    const [unknown, old, fresh] = rows;
    expect(unknown).toMatchObject({
      api: 'vredis',
      regionCode: 'KR',
      lastSuccess: null,
      ageSeconds: null,
      landed: null,
      lastFailure: { kind: 'invalid', jobId: `vredis~KR~999999~SYSTEM~f1~${seed.buckets[0]}` },
      runs: 1,
      failed: 1,
    });
    expect(old!.ageSeconds).toBeGreaterThanOrEqual(48 * 3600);
    expect(old!.ageSeconds).toBeLessThan(49 * 3600);
    expect(fresh).toMatchObject({
      lastSuccess: { fileName: a!.backups[0]!.fileName, bucketName: seed.buckets[0] },
      // No Object Storage configured for this worker: its landing was not checked.
      landed: { state: 'not-checked' },
      lastFailure: null,
      runs: 1,
      failed: 0,
    });
  });

  it('lists only stale instances with --stale, and exits 3 with --fail-on-stale', async () => {
    const stale = await runCli(['report', '--stale', '26h', '--fail-on-stale'], env);
    expect(stale.code).toBe(3);
    expect(stale.stderr).toBe('2 stale instance(s)\n');
    expect(rowsOf(stale.stdout).map((r) => r.instanceNo)).toEqual(['999999', '555']);
    // With a window longer than two days, only the instance never exported is stale.
    const week = await runCli(['report', '--stale', '3d', '--fail-on-stale'], env);
    expect(rowsOf(week.stdout).map((r) => r.instanceNo)).toEqual(['999999']);
    // REPORT_STALE_AFTER sets what --fail-on-stale judges when --stale is absent.
    const all = await runCli(['report', '--fail-on-stale'], { ...env, REPORT_STALE_AFTER: '3d' });
    expect(all.code).toBe(3);
    expect(rowsOf(all.stdout)).toHaveLength(3);
  });

  it('counts runs over --days only', async () => {
    const run = await runCli(['report', '--days', '1'], env);
    // The two-day-old run falls outside a one-day period.
    const old = rowsOf(run.stdout).find((r) => r.instanceNo === '555');
    expect(old).toMatchObject({ runs: 0, failed: 0 });
  });

  it('writes CSV and Markdown', async () => {
    const csv = await runCli(['report', '--format', 'csv'], env);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'api,regionCode,instanceNo,stale,lastSuccessAt,ageSeconds,lastSuccessFile,lastSuccessBucket,lastSuccessJobId,landed,runs,failed,lastFailureAt,lastFailureKind,lastFailureCode,lastFailureMessage,lastFailureJobId',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^vredis,KR,999999,true,,,,,,,1,1,\d{4}-.*,invalid,/);
    const md = await runCli(['report', '--format', 'md'], env);
    const mdLines = md.stdout.trim().split('\n');
    expect(mdLines[0]).toBe(
      '| API | REGION | INSTANCE | LAST SUCCESS (UTC) | AGE | FILE | LANDED | RUNS | FAILED | LAST FAILURE |',
    );
    expect(mdLines[2]).toMatch(
      /^\| vredis \| KR \| 999999 \| - \| never ! \| - \| - \| 1 \| 1 \| .* invalid\//,
    );
    expect(mdLines[3]).toContain('| 2d 0h ! |');
  });

  it('names a bad flag and exits 2', async () => {
    const stale = await runCli(['report', '--stale', '26'], env);
    expect(stale).toMatchObject({ code: 2, stdout: '' });
    expect(stale.stderr).toContain('--stale: "26" is not a duration such as 26h');
    const days = await runCli(['report', '--days', '40'], env);
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('--days: "40" is not a whole number of days from 1 to 31');
    const format = await runCli(['report', '--format', 'xml'], env);
    expect(format.stderr).toContain('--format: "xml" is not one of table, json, csv, md');
    const config = await runCli(['report'], { ...env, REPORT_STALE_AFTER: 'a day' });
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('REPORT_STALE_AFTER: is "a day", expected a duration');
  });
});
