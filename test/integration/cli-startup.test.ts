/**
 * What a producer command loads: the HTTP stack (Fastify, bull-board) and the worker's modules
 * (undici, the XML parser, metrics, the logger) belong to `serve` and `worker` only, and
 * OpenTelemetry to processes with traces on, so `enqueue`, `bulk` and `status` start fast
 * (timings: `npm run bench -- --only startup`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { spawnCli } from '../helpers/spawn-cli.ts';

const HOOK = new URL('../helpers/loaded-packages.ts', import.meta.url).pathname;
const SERVE_ONLY = ['fastify', '@bull-board/api', '@bull-board/fastify', '@fastify/static'];
const WORKER_ONLY = ['undici', 'fast-xml-parser', 'prom-client', 'pino'];
/** Loaded only when OTEL_* turns traces on (`shared/tracing.ts`). */
const TRACING = ['@opentelemetry/api', '@opentelemetry/sdk-trace', 'bullmq-otel'];

describe('start-up of the producer commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-startup-'));
  const env = {
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix('startup'),
    NCP_REGION: 'KR',
  };

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deletePrefix(env.REDIS_URL, env.QUEUE_PREFIX);
  });

  async function loadedBy(args: string[]): Promise<string[]> {
    const file = join(dir, `${args[0]}.txt`);
    const run = await spawnCli(
      args,
      { ...env, LOADED_PACKAGES_FILE: file },
      {
        nodeArgs: ['--import', HOOK],
      },
    );
    expect(run.stderr).not.toMatch(/Error|error:/);
    expect(run.code).toBe(0);
    return readFileSync(file, 'utf8').split('\n');
  }

  it.each([
    ['enqueue', ['--api', 'vredis', '--instance', '1', '--file', 'f', '--bucket', 'bucket-a']],
    ['status', []],
    ['bulk', ['--dry-run']],
  ])('%s loads neither the HTTP stack nor the worker', async (command, rest) => {
    const csv = join(dir, 'one.csv');
    writeFileSync(csv, 'api,instanceNo,fileName,bucketName\nvredis,1,f,bucket-a\n');
    const args = command === 'bulk' ? [command, csv, ...rest] : [command, ...rest];
    const packages = await loadedBy(args);
    // The tap works: it sees what the command does need.
    expect(packages).toContain('bullmq');
    expect(
      packages.filter((name) => [...SERVE_ONLY, ...WORKER_ONLY, ...TRACING].includes(name)),
    ).toEqual([]);
  });

  it.each([
    ['status', []],
    ['results', ['--format', 'jsonl']],
  ])('%s, which validates nothing, does not load the schemas (zod)', async (command, rest) => {
    const packages = await loadedBy([command, ...rest]);
    expect(packages).toContain('bullmq');
    expect(packages).not.toContain('zod');
  });

  it('enqueue, which validates, does load them', async () => {
    const args = ['--api', 'vredis', '--instance', '1', '--file', 'f', '--bucket', 'bucket-a'];
    expect(await loadedBy(['enqueue', ...args])).toContain('zod');
  });
});
