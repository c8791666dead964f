/**
 * The demo scripts of docs/demo clean up after themselves: no worker or emulator left running,
 * no key left in the Redis they were given (REDIS_URL: here a private redis-server, so a script
 * cleaning 127.0.0.1:6379 instead would leave its keys there).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type PrivateRedis, privateRedis } from '../helpers/redis-server.ts';
import { ROOT } from '../helpers/spawn-cli.ts';

/** Processes whose environment holds `entry` (e.g. QUEUE_PREFIX=demo-123). */
function processesWith(entry: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(join('/proc', name, 'environ'), 'utf8').split('\0');
      if (env.includes(entry)) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

describe.each([
  ['docs/demo/session.sh', 'demo-'],
  ['docs/demo/discovery.sh', 'demo-discovery-'],
])('%s', (script, prefixStem) => {
  let server: PrivateRedis;
  let redis: Redis;
  const leftovers: number[] = [];

  beforeAll(async () => {
    server = await privateRedis();
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    for (const pid of leftovers) process.kill(pid, 'SIGKILL');
    redis?.disconnect();
    await server?.dispose();
  });

  it('leaves no process running and no key in the Redis at REDIS_URL', async () => {
    const child = spawn('bash', [script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        REDIS_URL: server.url,
        PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, output).toBe(0);
    // It did use this Redis: something was enqueued and reported.
    expect(output).toMatch(/\$ ncp-cache-export results --format table\n.*JOB ID/);
    const running = processesWith(`QUEUE_PREFIX=${prefixStem}${child.pid}`);
    leftovers.push(...running);
    expect(running, 'processes left running').toEqual([]);
    expect(await redis.dbsize()).toBe(0);
  }, 120_000);
});
