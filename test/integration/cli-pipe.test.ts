/** A reader that stops reading (`status --watch | head -1`) ends the command quietly, exit 0. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { CLI_SOURCE, ROOT } from '../helpers/spawn-cli.ts';

describe('a closed pipe on stdout', () => {
  const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: uniquePrefix('pipe') };
  let queue: Queue;

  beforeAll(async () => {
    queue = new Queue(EXPORT_QUEUE, {
      connection: { url: env.REDIS_URL },
      prefix: env.QUEUE_PREFIX,
    });
    // One job that never finishes: `status --watch` prints a line every 100 ms until stopped.
    await queue.add('export', {}, { jobId: 'pending' });
  });

  afterAll(async () => {
    await queue.close();
    await deletePrefix(env.REDIS_URL, env.QUEUE_PREFIX);
  });

  it('ends status --watch with exit code 0 and nothing on stderr', async () => {
    const child = spawn(
      process.execPath,
      [CLI_SOURCE, 'status', '--json', '--watch', '--interval', '100'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // As `head -1`: read one line, then close the pipe.
    const lines = createInterface({ input: child.stdout });
    const [first] = await Promise.race([
      new Promise<string[]>((resolve) => lines.once('line', (line) => resolve([line]))),
      exited.then(() => [] as string[]),
    ]);
    lines.close();
    child.stdout.destroy();
    expect(JSON.parse(first ?? 'null')).toMatchObject({ exports: { waiting: 1 } });
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
