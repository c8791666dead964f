/**
 * The CLI when Redis goes away or the user presses Ctrl-C: what it says, what it leaves done,
 * and that running it again is safe. Each test has its own redis-server; a gate in front of it
 * stops the traffic at an exact byte, so what Redis executed never depends on timing.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.ts';
import { type RedisGate, redisGate } from '../helpers/redis-gate.ts';
import { type PrivateRedis, privateRedis } from '../helpers/redis-server.ts';

const ROWS = 3000;
const CHUNK = 100;
const PASSWORD = 'gate-test-password';

describe('the CLI under faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-cli-faults-'));
  const csv = join(dir, 'exports.csv');
  let server: PrivateRedis;
  let redis: Redis;
  let gate: RedisGate | undefined;
  let total = 0;

  beforeAll(async () => {
    const lines = ['api,instanceNo,fileName,bucketName,backupTypeMode,regionCode'];
    for (let i = 0; i < ROWS; i++)
      lines.push(`vredis,${100_000 + i},20240702,cache-backup,SYSTEM,KR`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    server = await privateRedis({ password: PASSWORD });
    redis = new Redis(server.url);
    redis.on('error', () => {}); // while it is stopped in the status test
    await redis.config('SET', 'appendfsync', 'no');
    // How many bytes a whole bulk of the file sends: the gates below stop half-way through.
    const measure = await redisGate(server.port, { mode: 'hold', limit: Number.POSITIVE_INFINITY });
    const run = await runCli(['bulk', csv, '--chunk', String(CHUNK)], env(measure, 'measure'));
    expect(run.stdout).toBe(`read ${ROWS}, added ${ROWS}, re-runs 0, duplicates 0, invalid 0\n`);
    total = measure.forwarded;
    await measure.close();
  });

  afterEach(async () => {
    await gate?.close();
    gate = undefined;
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function env(through: { url: string }, prefix: string): Record<string, string> {
    const url = new URL(through.url);
    url.password = PASSWORD;
    return { REDIS_URL: url.toString(), QUEUE_PREFIX: prefix, NCP_REGION: 'KR' };
  }
  const queued = (prefix: string) => redis.llen(`${prefix}:cache-export:wait`);

  it('bulk that loses Redis says where, how many rows made it, and that running it again is safe', async () => {
    gate = await redisGate(server.port, { mode: 'cut', limit: Math.round(total / 2) });
    const run = await runCli(['bulk', csv, '--chunk', String(CHUNK)], env(gate, 'cut'));
    expect(run.code).toBe(1);
    const match =
      /lost Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:(\d+)\/? \((.+)\); (\d+) of 3000 valid rows were enqueued \(added \3, re-runs 0, duplicates 0\)(?:, and the 100 being sent may have been too)?; running the same bulk again is safe: rows already queued are skipped as duplicates\n$/.exec(
        run.stderr,
      );
    expect(match, run.stderr).not.toBeNull();
    expect(run.stderr).not.toContain(PASSWORD);
    expect(Number(match![1])).toBe(gate.port);
    const reported = Number(match![3]);
    const inRedis = await queued('cut');
    expect(reported).toBeGreaterThan(0);
    expect(inRedis).toBeGreaterThanOrEqual(reported);
    expect(inRedis).toBeLessThanOrEqual(reported + CHUNK);
    expect(inRedis).toBeLessThan(ROWS);

    const again = await runCli(['bulk', csv, '--chunk', String(CHUNK)], env(server, 'cut'));
    expect(again.stdout).toBe(
      `read ${ROWS}, added ${ROWS - inRedis}, re-runs 0, duplicates ${inRedis}, invalid 0\n`,
    );
    expect(await queued('cut')).toBe(ROWS);
  });

  it('Ctrl-C during bulk stops after the chunk being sent, says what was enqueued, restores the terminal and exits 130', async () => {
    gate = await redisGate(server.port, { mode: 'hold', limit: Math.round(total / 2) });
    const signals = new EventEmitter();
    const cli = startCli(['bulk', csv, '--chunk', String(CHUNK)], env(gate, 'sigint'), {
      signals,
      stderrIsTTY: true,
    });
    await gate.tripped;
    signals.emit('SIGINT');
    gate.release();
    expect(await cli.done).toBe(130);
    const added = await queued('sigint');
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThan(ROWS);
    expect(cli.stdout()).toBe(`read ${ROWS}, added ${added}, re-runs 0, duplicates 0, invalid 0\n`);
    expect(cli.stderr()).toContain(
      `interrupted: ${added} of ${ROWS} valid rows were enqueued (added ${added}, re-runs 0, duplicates 0); running the same bulk again is safe`,
    );
    const stderr = cli.stderr();
    expect(stderr).toContain('enqueue [');
    expect(stderr.lastIndexOf('\x1b[?7h')).toBeGreaterThan(stderr.lastIndexOf('\x1b[?7l'));
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });

  it('status --watch says Redis is unreachable, retries, and recovers when it is back', async () => {
    const prefix = 'watch';
    const watchEnv = env(server, prefix);
    const first = await runCli(
      ['enqueue', '--api', 'vredis', '--instance', '1', '--file', 'f', '--bucket', 'bucket-a'],
      watchEnv,
    );
    expect(first.code).toBe(0);
    const cli = startCli(['status', '--watch', '--interval', '100'], watchEnv);
    await cli.waitFor('stdout', 'exports    waiting 1');
    await server.kill();
    await cli.waitFor('stderr', `Redis unreachable at redis://:***@127.0.0.1:${server.port}`);
    await cli.waitFor('stderr', 'retrying');
    await server.start();
    // The watch ends when nothing is pending: once it reads the emptied queue, it has recovered.
    await redis.del(`${prefix}:cache-export:wait`);
    expect(await cli.done).toBe(0);
    expect(cli.stdout().trimEnd().split('\n').at(-7)).toMatch(/^exports {4}waiting 0 {2}active 0/);
    expect(cli.stderr()).not.toContain(PASSWORD);
  });
});
