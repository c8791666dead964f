/**
 * `bulk` on inputs a careless or hostile user writes: a structure error refuses the whole file
 * even with --skip-invalid (nothing enqueued, the line named), repeated JSON keys are refused by
 * name, and a one-line JSON array names the item at fault.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const HEADER = 'api,instanceNo,fileName,bucketName';
const row = (i: number) => `vredis,${100_000 + i},20240702,redis-backup`;
const object = (i: number) => ({
  api: 'vredis',
  instanceNo: String(100_000 + i),
  fileName: '20240702',
  bucketName: 'redis-backup',
});

describe('bulk input structure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-bulk-input-'));
  let env: Record<string, string>;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  beforeEach(() => {
    env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: uniquePrefix('bulkinput'), NCP_REGION: 'KR' };
  });
  afterEach(async () => {
    await deletePrefix(env.REDIS_URL!, env.QUEUE_PREFIX!);
  });
  afterAll(() => {
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const keys = () => redis.keys(`${env.QUEUE_PREFIX}:*`);

  it('refuses a CSV with a quote never closed, even with --skip-invalid: exit 2, nothing enqueued', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i));
    rows[1] = 'vredis,1,"unclosed,redis-backup';
    const path = write('quote.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const run = await runCli(['bulk', path, '--skip-invalid'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `ncp-cache-export: ${path}:3: a quoted cell in this row is never closed, so the rest of the input was read as part of it; the file was refused, nothing was enqueued\n`,
    );
    expect(run.stdout).toBe('');
    expect(await keys()).toEqual([]);
  });

  it('refuses an NDJSON file with a line past the limit, even with --skip-invalid', async () => {
    const lines = [object(1), object(2), { ...object(3), meta: { n: 'x'.repeat(70_000) } }];
    const path = write('long.ndjson', `${lines.map((o) => JSON.stringify(o)).join('\n')}\n`);
    const run = await runCli(['bulk', path, '--skip-invalid'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^ncp-cache-export: ${path}:3: this line is longer than 65536 bytes`),
    );
    expect(run.stderr).toContain('nothing was enqueued');
    expect(await keys()).toEqual([]);
  });

  it('refuses a truncated JSON array, even with --skip-invalid', async () => {
    const text = JSON.stringify([object(1), object(2)]).slice(0, -5);
    const run = await runCli(['bulk', write('cut.json', text), '--skip-invalid'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing was enqueued');
    expect(await keys()).toEqual([]);
  });

  it('names the item of a one-line JSON array, and a repeated key', async () => {
    const items: unknown[] = Array.from({ length: 40 }, (_, i) => object(i));
    items[36] = { ...object(36), bucketName: 'X' };
    const text = JSON.stringify(items).replace(
      '"api":"vredis","instanceNo":"100000"',
      '"api":"vredis","instanceNo":"100000","api":"vcache"',
    );
    const path = write('one-line.json', text);
    const run = await runCli(['bulk', path], env);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n').slice(0, 2)).toEqual([
      `${path}:1: item 1: api: appears twice in the same object; JSON would keep only the last value, so remove one`,
      expect.stringMatching(new RegExp(`^${path}:1: item 37: bucketName: must be `)),
    ]);
    expect(await keys()).toEqual([]);
  });
});
