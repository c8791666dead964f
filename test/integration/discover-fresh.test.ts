/**
 * `discover --fresh` and `discover --api both` end to end: the CLI enqueues a discovery, a real
 * worker creates manual backups at the emulator over HTTP, waits for their files across delayed
 * runs of the job, and enqueues their exports, which the worker then makes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiscoveryQueue } from '../../producer/discovery.ts';
import { DISCOVERY_JOB_NAME } from '../../shared/contract.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { NcpClient } from '../../shared/ncp/index.ts';
import { freshKey, freshProgressKey, redisFreshStore } from '../../worker/discovery/fresh-store.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  type Seed,
  startEmulator,
} from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { openPipeline, type Pipeline, startInProcessWorker } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { startWorkerProcess, stopWorkerProcess } from '../helpers/worker-process.ts';

const BUCKET = 'cache-backup';

/** 4 vredis instances (the first two listed by vcache too), then 2 vcache ones (one Valkey). */
function seedWithSharedInstances(): Seed {
  const seed = generateSeed({ instances: 6, apis: ['vredis'], regions: ['KR'] });
  seed.instances.forEach((instance, k) => {
    if (k < 2) instance.listedByVcache = true;
    if (k >= 4) instance.api = 'vcache';
    if (k === 5) instance.engine = 'Valkey';
  });
  return seed;
}

async function discover(env: Record<string, string>, ...args: string[]) {
  const run = await runCli(['discover', '--bucket', BUCKET, '--json', ...args], env);
  return { ...run, outcome: JSON.parse(run.stdout || 'null') as DiscoveryOutcome };
}

describe('discover --fresh and --api both, with a worker in the test process', () => {
  const seed = seedWithSharedInstances();
  const numbers = seed.instances.map((instance) => instance.instanceNo);
  let emulator: Emulator;
  let pipeline: Pipeline;
  let worker: ExportWorker | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator({ seed, manualBackupDelayMs: 600 });
    pipeline = await openPipeline('discover-fresh', emulator);
    env = { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, NCP_REGION: 'KR' };
    worker = startInProcessWorker(pipeline, {
      NCP_RATE_LIMIT: '200',
      DISCOVERY_FRESH_POLL_MS: '200',
      DISCOVERY_FRESH_TIMEOUT_MS: '3000',
    });
  });

  afterAll(async () => {
    await worker?.close();
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('exports the backup of an instance both families list once, through vredis', async () => {
    const run = await discover(env, '--api', 'both');
    expect(run.code).toBe(0);
    // Six instances, two of them listed by both families: six seen, each exported once.
    expect(run.outcome).toMatchObject({ instancesSeen: 6, filesChosen: 6, exportsEnqueued: 6 });
    const families = Object.fromEntries(run.outcome.instances.map((i) => [i.instanceNo, i.api]));
    expect(families).toEqual({
      [numbers[0]!]: 'vredis',
      [numbers[1]!]: 'vredis',
      [numbers[2]!]: 'vredis',
      [numbers[3]!]: 'vredis',
      [numbers[4]!]: 'vcache',
      [numbers[5]!]: 'vcache',
    });
    await waitFor('six exports accepted', () => emulator.exports().length === 6, 30_000);
    const exported = emulator.exports().map((e) => `${e.api} ${e.instanceNo}`);
    expect(exported.sort()).toEqual(
      numbers.map((no, k) => `${k < 4 ? 'vredis' : 'vcache'} ${no}`).sort(),
    );
    // vcache alone lists the shared instances as Redis, under the same numbers.
    const vcache = await discover(env, '--api', 'vcache', '--dry-run');
    expect(vcache.outcome.instances.map((i) => i.instanceNo).sort()).toEqual(
      [numbers[0], numbers[1], numbers[4], numbers[5]].sort(),
    );
  }, 60_000);

  it('creates one backup per instance, waits for its file and exports that file', async () => {
    const chosen = [numbers[0]!, numbers[2]!, numbers[5]!];
    const before = emulator.exports().length;
    const run = await discover(
      env,
      '--api',
      'both',
      '--fresh',
      ...chosen.flatMap((no) => ['--instance', no]),
    );
    expect(run.stderr).toContain('waiting for a worker');
    expect(run.code).toBe(0);
    expect(run.outcome).toMatchObject({ status: 'succeeded', filesChosen: 3, exportsEnqueued: 3 });
    const created = emulator.manualBackups();
    expect(created.map((c) => c.instanceNo).sort()).toEqual([...chosen].sort());
    expect(emulator.stats()).toMatchObject({ manualBackupsCreated: 3, manualBackupCreateCalls: 3 });
    for (const instance of run.outcome.instances) {
      const made = created.find((c) => c.instanceNo === instance.instanceNo)!;
      expect(instance.api).toBe(made.api);
      expect(instance.files).toEqual([
        expect.objectContaining({ fileName: made.fileName, result: 'added' }),
      ]);
      expect(instance.files[0]!.jobId).toContain('~MANUAL~');
    }
    await waitFor('three more exports accepted', () => emulator.exports().length === before + 3);
    const exports = emulator.exports().slice(before);
    expect(exports.map((e) => [e.fileName, e.backupTypeMode]).sort()).toEqual(
      created.map((c) => [c.fileName, 'MANUAL']).sort(),
    );
    const ids = run.outcome.instances.map((i) => i.files[0]!.jobId);
    await waitFor('their export outcomes', async () => {
      const outcomes = await pipeline.outcomes();
      return ids.every((id) => outcomes.some((o) => o.jobId === id && o.status === 'succeeded'));
    });
    // Progress is forgotten once the outcome is written.
    expect(
      await pipeline.producer.redis.exists(freshProgressKey(pipeline.prefix, run.outcome.jobId)),
    ).toBe(0);
  }, 60_000);

  it('names the instance and what it saw when no new file appears in time', async () => {
    emulator.configure({ manualBackupNeverRate: 1 });
    const instanceNo = numbers[3]!;
    const run = await discover(env, '--api', 'vredis', '--fresh', '--instance', instanceNo);
    emulator.configure({ manualBackupNeverRate: 0 });
    expect(run.code).toBe(1);
    expect(run.outcome).toMatchObject({ status: 'failed', filesChosen: 0, exportsEnqueued: 0 });
    expect(run.outcome.errors).toEqual([
      expect.objectContaining({ instanceNo, code: 'FRESH_BACKUP_NOT_FOUND', kind: 'timeout' }),
    ]);
    const { message } = run.outcome.errors[0]!;
    expect(message).toContain(`no new manual backup of cloudRedisInstanceNo ${instanceNo}`);
    expect(message).toContain('getCloudRedisManualBackupDetailList within 3 s');
    expect(message).toContain(
      `it lists 1 manual backup(s), all there before (manual-${instanceNo}-1)`,
    );
    // One create, not repeated while waiting; the progress is gone with the outcome written.
    expect(emulator.stats().manualBackupCreateCalls).toBe(4);
    const progress = freshProgressKey(pipeline.prefix, run.outcome.jobId);
    expect(await pipeline.producer.redis.exists(progress)).toBe(0);
  }, 60_000);

  it('repeats a create NCP answered "try again" to, never one whose answer was lost', async () => {
    const [busy, lost] = [numbers[2]!, numbers[3]!];
    const calls = emulator.stats().manualBackupCreateCalls;
    // Instance list, manual list, then the create: 1000 ("try again later"), then success.
    emulator.configure({ faults: { schedule: ['none', 'none', 'service1000'] } });
    const retried = await discover(env, '--api', 'vredis', '--fresh', '--instance', busy);
    expect(retried.outcome).toMatchObject({ status: 'succeeded', filesChosen: 1 });
    expect(emulator.stats().manualBackupCreateCalls).toBe(calls + 1);
    // The connection is reset after the create was written: NCP may have made a backup.
    emulator.configure({ faults: { schedule: ['none', 'none', 'reset'] } });
    const run = await discover(env, '--api', 'vredis', '--fresh', '--instance', lost);
    emulator.configure({ faults: {} });
    expect(run.outcome.errors).toEqual([
      expect.objectContaining({ instanceNo: lost, code: 'FRESH_BACKUP_NOT_FOUND' }),
    ]);
    expect(run.outcome.errors[0]!.message).toContain(
      'the answer to createCloudRedisManualBackup was lost',
    );
    expect(emulator.stats().manualBackupCreateCalls).toBe(calls + 1);
  }, 60_000);

  it('never sends again a create whose run ended before its answer', async () => {
    // Progress as a run killed right after sending two creates leaves it: both `creating`.
    // NCP got the first (sent here by hand) and not the second.
    const [reached, lost] = [seed.instances[1]!, seed.instances[4]!];
    const jobId = 'discover-fresh-interrupted';
    const store = redisFreshStore(pipeline.producer.redis, pipeline.prefix, 60_000);
    const listed = [reached, lost].map(({ api, instanceNo, name }) => ({
      api,
      instanceNo,
      name,
      regionCode: 'KR',
      engine: undefined,
    }));
    await store.saveListing(jobId, { instancesSeen: 2, matched: listed, errors: [] });
    for (const instance of listed) {
      const before = [`manual-${instance.instanceNo}-1`];
      await store.save(jobId, freshKey(instance), { phase: 'creating', before, at: Date.now() });
    }
    const client = new NcpClient({
      apiUrl: emulator.url,
      ...DEFAULT_CREDENTIALS,
      responseFormat: 'json',
      timeoutMs: 5000,
      maxResponseBytes: 1 << 20,
    });
    await client.call('vredis', 'createCloudRedisManualBackup', {
      cloudRedisInstanceNo: reached.instanceNo,
    });
    await client.close();
    const calls = emulator.stats().manualBackupCreateCalls;

    const queue = openDiscoveryQueue(pipeline.producer);
    const request = { api: 'both', bucketName: BUCKET, backupTypeMode: 'MANUAL', fresh: true };
    await queue.add(DISCOVERY_JOB_NAME, request, { jobId });
    await queue.close();
    await waitFor('the outcome', async () =>
      Boolean(await pipeline.producer.ledger.discoveryOutcome(jobId)),
    );
    const outcome = (await pipeline.producer.ledger.discoveryOutcome(jobId))!;
    expect(outcome).toMatchObject({ status: 'partial', filesChosen: 1 });
    const made = emulator.manualBackups().at(-1)!;
    expect(outcome.instances[0]!.files[0]!.fileName).toBe(made.fileName);
    expect(outcome.errors).toEqual([
      expect.objectContaining({ instanceNo: lost.instanceNo, code: 'FRESH_BACKUP_NOT_FOUND' }),
    ]);
    expect(outcome.errors[0]!.message).toContain('ended before its answer');
    expect(emulator.stats().manualBackupCreateCalls).toBe(calls);
  }, 60_000);

  it('refuses --fresh with --since, --dry-run or --type SYSTEM before enqueueing', async () => {
    const run = await runCli(
      ['discover', '--api', 'vredis', '--bucket', BUCKET, '--fresh', '--since', '1d', '--dry-run'],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--since: cannot be used with fresh');
    expect(run.stderr).toContain('--dry-run: cannot be used with fresh');
    const system = await runCli(
      ['discover', '--api', 'vredis', '--bucket', BUCKET, '--fresh', '--type', 'SYSTEM'],
      env,
    );
    expect(system.stderr).toContain('--type: must be MANUAL with fresh');
  });
});

describe('discover --fresh across a worker crash', () => {
  const seed = generateSeed({ instances: 3, apis: ['vredis'], regions: ['KR'] });
  let emulator: Emulator;
  let pipeline: Pipeline;

  beforeAll(async () => {
    // Slow enough that the files are not listed before the first worker dies.
    emulator = await startEmulator({ seed, manualBackupDelayMs: 2500 });
    pipeline = await openPipeline('discover-fresh-crash', emulator);
  });

  afterAll(async () => {
    await pipeline?.cleanup();
    await emulator?.close();
  });

  it('sends each create once when the worker is killed after sending them', async () => {
    const workerEnv = pipeline.workerEnv({
      DISCOVERY_FRESH_POLL_MS: '300',
      DISCOVERY_FRESH_TIMEOUT_MS: '120000',
    });
    const first = await startWorkerProcess(workerEnv);
    const env = { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, NCP_REGION: 'KR' };
    const queued = await runCli(
      ['discover', '--api', 'vredis', '--bucket', BUCKET, '--fresh', '--no-wait'],
      env,
    );
    const jobId = queued.stdout.trim();
    await waitFor('three creates', () => emulator.stats().manualBackupCreateCalls === 3, 60_000, 5);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startWorkerProcess(workerEnv);
    try {
      await waitFor(
        'the outcome',
        async () => Boolean(await pipeline.producer.ledger.discoveryOutcome(jobId)),
        120_000,
        100,
      );
    } finally {
      await stopWorkerProcess(second);
    }
    const outcome = (await pipeline.producer.ledger.discoveryOutcome(jobId))!;
    expect(outcome).toMatchObject({ status: 'succeeded', filesChosen: 3, errors: [] });
    expect(emulator.stats()).toMatchObject({ manualBackupCreateCalls: 3, manualBackupsCreated: 3 });
    const files = outcome.instances.map((i) => i.files[0]?.fileName).sort();
    expect(files).toEqual(
      emulator
        .manualBackups()
        .map((b) => b.fileName)
        .sort(),
    );
  }, 240_000);
});
