/** `enqueue` and `bulk` against a real Redis: what a user types, sees, and gets queued. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import { runCli } from '../helpers/cli.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

/** Runs the waiting jobs: `jobId` fails for good (as an export NCP refused), the rest succeed. */
async function failNext(queue: Queue, jobId: string): Promise<void> {
  const worker = new Worker(
    queue.name,
    async (job) => {
      if (job.id === jobId) throw new UnrecoverableError(`${job.id} failed`);
    },
    { connection: { url: testRedisUrl() }, prefix: queue.opts.prefix, autorun: false },
  );
  const failed = new Promise<void>((resolve) =>
    worker.on('failed', (job) => job?.id === jobId && resolve()),
  );
  void worker.run();
  await failed;
  await worker.close();
}

describe('enqueue and bulk commands', () => {
  let env: Record<string, string>;
  let queue: Queue;
  const dir = mkdtempSync(join(tmpdir(), 'ncp-bulk-'));

  beforeEach(() => {
    env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: uniquePrefix('cli'), NCP_REGION: 'KR' };
    queue = new Queue(EXPORT_QUEUE, {
      connection: { url: env.REDIS_URL },
      prefix: env.QUEUE_PREFIX,
    });
  });

  afterEach(async () => {
    await queue.close();
    await deletePrefix(env.REDIS_URL!, env.QUEUE_PREFIX!);
  });

  const enqueueArgs = [
    'enqueue',
    '--api',
    'vredis',
    '--instance',
    '1234511',
    '--file',
    '20240702',
    '--bucket',
    'redis-backup',
  ];

  it('prints the job id, and reports a duplicate without adding it', async () => {
    const first = await runCli(enqueueArgs, env);
    expect(first).toEqual({
      code: 0,
      stdout: 'vredis~KR~1234511~SYSTEM~20240702~redis-backup\n',
      stderr: '',
    });
    const second = await runCli(enqueueArgs, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('duplicate');
    expect(await queue.getWaitingCount()).toBe(1);

    const forced = await runCli([...enqueueArgs, '--force', '--json'], env);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      added: true,
      jobId: expect.stringMatching(/~redis-backup~f[0-9a-z]+$/),
    });
    expect(await queue.getWaitingCount()).toBe(2);
  });

  it('refuses a bad request naming the field, with exit code 2', async () => {
    const run = await runCli([...enqueueArgs.slice(0, -1), 'Bad_Bucket', '--type', 'FULL'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bucketName: must be 3 to 63 characters');
    expect(run.stderr).toContain('backupTypeMode:');
    expect(await queue.getWaitingCount()).toBe(0);
  });

  it('says where Redis was expected when it cannot be reached', async () => {
    const run = await runCli(enqueueArgs, { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*set REDIS_URL/);
  });

  function csv(name: string, rows: string[]): string {
    const path = join(dir, name);
    writeFileSync(
      path,
      `api,instanceNo,fileName,bucketName,backupTypeMode,regionCode\n${rows.join('\n')}\n`,
    );
    return path;
  }

  it('enqueues nothing when any row is bad, listing each bad row by line and field', async () => {
    const path = csv('bad.csv', [
      'vredis,1001,20240701,cache-backup,SYSTEM,KR',
      'vredis,10x2,20240701,cache-backup,SYSTEM,KR',
      'vcache,1003,20240701,Cache_Backup,SYSTEM,',
      'vcache,1004,20240701,cache-backup,MANUAL,',
    ]);
    const run = await runCli(['bulk', path], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}:3: instanceNo:`);
    expect(run.stderr).toContain(`${path}:4: bucketName:`);
    expect(run.stdout).toBe('read 4, added 0, re-runs 0, duplicates 0, invalid 2\n');
    expect(await queue.count()).toBe(0);

    const skipping = await runCli(['bulk', path, '--skip-invalid'], env);
    expect(skipping.code).toBe(0);
    expect(skipping.stdout).toBe('read 4, added 2, re-runs 0, duplicates 0, invalid 2\n');
    expect(await queue.count()).toBe(2);
  });

  it('gives one backup one job id, whatever NCP_REGION the producer has', async () => {
    const { NCP_REGION: _, ...noRegion } = env;
    const withKr = await runCli(enqueueArgs, env);
    const without = await runCli(enqueueArgs, noRegion);
    // Without NCP_REGION the region is the public site's default, KR: the same export.
    expect(without.stdout).toBe(withKr.stdout);
    expect(without.stderr).toContain('duplicate');
    const gov = await runCli(enqueueArgs, { ...noRegion, NCP_SITE: 'gov' });
    expect(gov.stdout).toBe(withKr.stdout);
    const fin = await runCli(enqueueArgs, { ...noRegion, NCP_SITE: 'fin' });
    expect(fin.stdout).toBe('vredis~FKR~1234511~SYSTEM~20240702~redis-backup\n');
    expect(await queue.getWaitingCount()).toBe(2);
    const job = await queue.getJob('vredis~KR~1234511~SYSTEM~20240702~redis-backup');
    expect(job?.data.regionCode).toBe('KR');
  });

  it('adds a new run when the last run of an export failed, and says so', async () => {
    const path = csv('rerun.csv', [
      'vredis,2001,20240701,cache-backup,SYSTEM,KR',
      'vredis,2002,20240701,cache-backup,SYSTEM,KR',
    ]);
    expect((await runCli(['bulk', path], env)).stdout).toBe(
      'read 2, added 2, re-runs 0, duplicates 0, invalid 0\n',
    );
    // The first export fails for good (as with a bucket that did not exist yet), the other succeeds.
    await failNext(queue, 'vredis~KR~2001~SYSTEM~20240701~cache-backup');

    const rerun = await runCli(['bulk', path], env);
    expect(rerun.stdout).toBe('read 2, added 0, re-runs 1, duplicates 1, invalid 0\n');
    expect(await queue.getJob('vredis~KR~2001~SYSTEM~20240701~cache-backup~r1')).toBeDefined();
    // The new run is queued: enqueueing again is a duplicate of it, not another run.
    const enqueue2001 = (...extra: string[]) =>
      runCli(
        [
          'enqueue',
          '--api',
          'vredis',
          '--instance',
          '2001',
          '--file',
          '20240701',
          '--bucket',
          'cache-backup',
          ...extra,
        ],
        env,
      );
    const again = await enqueue2001();
    expect(again.stdout).toBe('vredis~KR~2001~SYSTEM~20240701~cache-backup~r1\n');
    expect(again.stderr).toContain('duplicate');

    await failNext(queue, 'vredis~KR~2001~SYSTEM~20240701~cache-backup~r1');
    const third = await enqueue2001('--json');
    expect(JSON.parse(third.stdout)).toEqual({
      jobId: 'vredis~KR~2001~SYSTEM~20240701~cache-backup~r2',
      added: true,
      rerunOf: 'vredis~KR~2001~SYSTEM~20240701~cache-backup~r1',
    });
  });

  it('validates only with --dry-run, then enqueues and counts duplicates', async () => {
    const path = csv('good.csv', [
      'vredis,1001,20240701,cache-backup,SYSTEM,KR',
      'vredis,1001,20240701,cache-backup,SYSTEM,KR',
      'vcache,1002,20240701,cache-backup,MANUAL,',
    ]);
    const dry = await runCli(['bulk', path, '--dry-run', '--json'], env);
    expect(JSON.parse(dry.stdout)).toEqual({
      read: 3,
      valid: 3,
      invalid: 0,
      added: 0,
      reruns: 0,
      duplicates: 0,
      dryRun: true,
      refused: false,
    });
    expect(await queue.count()).toBe(0);

    const real = await runCli(['bulk', path], env);
    expect(real.stdout).toBe('read 3, added 2, re-runs 0, duplicates 1, invalid 0\n');
    const again = await runCli(['bulk', path], env);
    expect(again.stdout).toBe('read 3, added 0, re-runs 0, duplicates 3, invalid 0\n');
    const job = await queue.getJob('vcache~KR~1002~MANUAL~20240701~cache-backup');
    expect(job?.data).toEqual({
      api: 'vcache',
      instanceNo: '1002',
      fileName: '20240701',
      bucketName: 'cache-backup',
      backupTypeMode: 'MANUAL',
      regionCode: 'KR',
    });
    expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: 'ncp-jitter' } });
  });

  it('queues the rows in file order while chunks overlap their reading', async () => {
    const instances = Array.from({ length: 25 }, (_, i) => String(3000 + i));
    const path = csv(
      'order.csv',
      instances.map((instance) => `vredis,${instance},20240701,cache-backup,SYSTEM,KR`),
    );
    const run = await runCli(['bulk', path, '--chunk', '3'], env);
    expect(run.stdout).toBe('read 25, added 25, re-runs 0, duplicates 0, invalid 0\n');
    const waiting = await queue.getWaiting(0, -1);
    expect(waiting.map((job) => job.data.instanceNo)).toEqual(instances);
  });

  it('stops at a file-level problem, naming the file and line, with exit code 2', async () => {
    const path = join(dir, 'header.csv');
    writeFileSync(path, 'api,instanceNo,file,bucketName\nvredis,1,f,bucket-a\n');
    const run = await runCli(['bulk', path], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^ncp-cache-export: ${path}:1: unknown column "file"`));
    const stdin = await runCli(['bulk', '-'], env);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('needs --format');
    expect(await queue.count()).toBe(0);
  });

  it('reads NDJSON from standard input', async () => {
    const ndjson = [
      JSON.stringify({
        api: 'vredis',
        instanceNo: '1',
        fileName: 'f1',
        bucketName: 'bucket-a',
        meta: { ticket: 'OPS-1' },
      }),
      JSON.stringify({ api: 'vredis', instanceNo: '2', fileName: 'f2', bucketName: 'bucket-a' }),
    ].join('\n');
    const run = await runCli(['bulk', '-', '--format', 'ndjson'], env, ndjson);
    expect(run.stdout).toBe('read 2, added 2, re-runs 0, duplicates 0, invalid 0\n');
    expect((await queue.getJob('vredis~KR~1~SYSTEM~f1~bucket-a'))?.data.meta).toEqual({
      ticket: 'OPS-1',
    });
  });
});
