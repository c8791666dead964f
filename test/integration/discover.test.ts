/**
 * `discover` end to end: the CLI enqueues a discovery job, a real worker lists hundreds of
 * instances over several pages from the emulator, chooses files and enqueues exports through
 * the producer; the CLI prints the outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJobId } from '../../shared/contract.ts';
import { type DiscoveryOutcome, discoveryOutcomeSchema } from '../../shared/discovery-contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import { type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';

// 250 vredis and 250 vcache instances in KR: 3 pages of instances each (page size 100).
// The vcache backup lists carry no fileName, as NCP's docs suggest they may not.
const seed = generateSeed({ instances: 500, regions: ['KR'], vcacheFileNames: false });
const vredis = seed.instances.filter((instance) => instance.api === 'vredis');
const BUCKET = 'cache-backup';
const newestIds = vredis.map((instance) =>
  exportJobId({
    api: 'vredis',
    instanceNo: instance.instanceNo,
    fileName: '20240702',
    bucketName: BUCKET,
    backupTypeMode: 'SYSTEM',
    regionCode: 'KR',
  }),
);

describe('discover', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;
  let env: Record<string, string>;
  /** A discovery enqueued with --no-wait before any worker ran. */
  let queuedId = '';
  const discover = async (...args: string[]) => {
    const run = await runCli(['discover', '--api', 'vredis', '--bucket', BUCKET, ...args], env);
    const json = args.includes('--json');
    return { ...run, outcome: (json ? JSON.parse(run.stdout) : null) as DiscoveryOutcome };
  };
  const exportJobs = async () =>
    Object.values(
      await pipeline.producer.queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'completed',
        'failed',
      ),
    ).reduce((sum, n) => sum + n, 0);

  beforeAll(async () => {
    setup = await startEmulatorPipeline('discover', { seed });
    ({ emulator, pipeline } = setup);
    env = setup.env;
  });

  afterAll(async () => {
    await worker?.close();
    await setup?.close();
  });

  it('says so when no worker is running, and enqueues nothing', async () => {
    const run = await runCli(['discover', '--api', 'vredis', '--bucket', BUCKET], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no worker is running to carry out the discovery');
    const queued = await runCli(
      ['discover', '--api', 'vredis', '--bucket', BUCKET, '--no-wait'],
      env,
    );
    expect(queued.stdout).toMatch(/^discover-[0-9a-z]+-[0-9a-f]{6}\n$/);
    // The first worker below runs it.
    queuedId = queued.stdout.trim();
  });

  it('enqueues exactly the newest backup of every instance, over all pages', async () => {
    worker = startInProcessWorker(pipeline, { NCP_RATE_LIMIT: '1000', WORKER_CONCURRENCY: '16' });
    // The discovery left queued before any worker ran enqueues all 250 first.
    const first = await runCli(['discover', '--api', 'vredis', '--bucket', BUCKET, '--json'], env);
    await waitFor('the queued discovery', async () =>
      Boolean(await pipeline.producer.ledger.discoveryOutcome(queuedId)),
    );
    const queuedOutcome = (await pipeline.producer.ledger.discoveryOutcome(queuedId))!;
    const outcomes = [queuedOutcome, JSON.parse(first.stdout) as DiscoveryOutcome];
    for (const outcome of outcomes) {
      expect(discoveryOutcomeSchema.safeParse(outcome).success).toBe(true);
      expect(outcome).toMatchObject({
        status: 'succeeded',
        instancesSeen: 250,
        instancesMatched: 250,
        filesChosen: 250,
        errors: [],
      });
    }
    // The two runs may overlap; together they added each export exactly once.
    expect(outcomes[0]!.exportsEnqueued + outcomes[1]!.exportsEnqueued).toBe(250);
    expect(outcomes[0]!.exportsDuplicate + outcomes[1]!.exportsDuplicate).toBe(250);
    const ids = outcomes[1]!.instances.flatMap((i) => i.files.map((f) => f.jobId));
    expect(ids.sort()).toEqual([...newestIds].sort());
    expect(await exportJobs()).toBe(250);
    const existing = await pipeline.producer.existingIds(newestIds);
    expect(existing.size).toBe(250);
    const job = await pipeline.producer.queue.getJob(newestIds[0]!);
    expect(job?.data.meta).toEqual({ discovery: expect.stringMatching(/^discover-/) });
  }, 60_000);

  it('adds nothing when run again, and nothing on a dry run', async () => {
    const again = await discover('--json');
    expect(again.code).toBe(0);
    expect(again.outcome).toMatchObject({ exportsEnqueued: 0, exportsDuplicate: 250 });

    const dry = await discover('--since', '2024-07-01T00:00:00Z', '--dry-run', '--json');
    expect(dry.outcome).toMatchObject({ dryRun: true, filesChosen: 500, exportsEnqueued: 0 });
    const results = dry.outcome.instances.flatMap((i) => i.files.map((f) => f.result));
    expect(results.filter((r) => r === 'would-add')).toHaveLength(250);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(250);
    expect(await exportJobs()).toBe(250);
  }, 30_000);

  it('prints a table for the chosen instances and backup type', async () => {
    const [a, b] = vredis;
    const run = await discover(
      '--type',
      'MANUAL',
      '--instance',
      a!.instanceNo,
      '--instance',
      `${b!.instanceNo},999999`,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^INSTANCE\s+NAME\s+REGION\s+BACKUPS\s+FILE\s+BACKUP TIME \(UTC\)\s+RESULT\s+JOB ID$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${a!.instanceNo}\\s+cache-${a!.instanceNo}\\s+KR\\s+1\\s+manual-${a!.instanceNo}-1\\s+2024-07-02 04:01:30\\s+added\\s+vredis~KR~${a!.instanceNo}~MANUAL~`,
      ),
    );
    expect(lines[2]).toContain(`manual-${b!.instanceNo}-1`);
    expect(lines.at(-1)).toMatch(
      /^discovery discover-\S+ succeeded: 2 instances seen, 2 matched, 2 files chosen, 2 enqueued, 0 already queued, 0 problems$/,
    );
    expect(await exportJobs()).toBe(252);
  });

  it('fails clearly where the backup list gives no file name', async () => {
    const cache = seed.instances.filter((i) => i.api === 'vcache').slice(0, 2);
    const run = await runCli(
      [
        'discover',
        '--api',
        'vcache',
        '--bucket',
        BUCKET,
        ...cache.flatMap((i) => ['--instance', i.instanceNo]),
      ],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('error: NO_FILE_NAME');
    expect(run.stdout).toContain(
      `${cache[0]!.instanceNo}: protocol/NO_FILE_NAME: getCloudCacheBackupDetailList lists a backup of cloudCacheInstanceNo ${cache[0]!.instanceNo} (2024-07-02T03:01:30.000Z) without a fileName`,
    );
    expect(run.stdout).toMatch(/ failed: 2 instances seen, 2 matched, 0 files chosen, 0 enqueued/);
    expect(await exportJobs()).toBe(252);
  });

  it('keeps discovery outcomes out of results, status and retry', async () => {
    await waitFor(
      '252 exports done',
      async () => (await pipeline.producer.queue.getJobCountByTypes('completed')) === 252,
      30_000,
      200,
    );
    const results = await runCli(['results'], env);
    const lines = results.stdout.trim().split('\n');
    expect(lines).toHaveLength(252);
    expect(lines.every((line) => JSON.parse(line).request.fileName)).toBe(true);
    const status = await runCli(['status', '--json'], env);
    expect(JSON.parse(status.stdout).recentErrors).toEqual({});
    const retry = await runCli(['retry', queuedId], env);
    expect(retry.stderr).toContain(`skipped ${queuedId}: it is a discovery, not an export`);
    expect(emulator.stats().accepted).toBe(252);
  }, 40_000);

  it('names bad options before enqueueing anything', async () => {
    const run = await runCli(
      ['discover', '--api', 'redis', '--bucket', 'B', '--since', 'soon', '--instance', 'x1'],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid discovery options:');
    expect(run.stderr).toMatch(/--api: must be vredis, vcache or both/);
    expect(run.stderr).toMatch(/--bucket: must be 3 to 63/);
    expect(run.stderr).toMatch(/--since: must be an ISO date-time/);
    expect(run.stderr).toMatch(/--instance \(#1\): must be 1 to 20 digits/);
    const both = await runCli(
      ['discover', '--api', 'vredis', '--bucket', BUCKET, '--latest', '--since', '1d'],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("option '--latest' cannot be used with option '--since <time>'");
  });
});
