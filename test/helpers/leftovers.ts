/**
 * What a test run must not leave behind: keys under its test prefixes, and child processes.
 * Called by global-setup.ts when the run ends; throws (failing the run) naming what it found,
 * after removing it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

export async function leftovers(redisUrl: string, runTag: string): Promise<void> {
  const problems = [...(await leftoverKeys(redisUrl, runTag)), ...leftoverProcesses(runTag)];
  if (problems.length > 0) {
    throw new Error(`the tests left things behind (now removed):\n  ${problems.join('\n  ')}`);
  }
}

/** Keys of this run's test prefixes (`test-<label>-<runTag>...`), deleted, by prefix. */
async function leftoverKeys(redisUrl: string, runTag: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  const byPrefix = new Map<string, number>();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `test-*-${runTag}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const prefix = key.split(':')[0]!;
        byPrefix.set(prefix, (byPrefix.get(prefix) ?? 0) + 1);
      }
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return [...byPrefix].map(([prefix, count]) => `${count} Redis key(s) under ${prefix}:`);
}

/** The environment variable that marks every process of a test run (set by global-setup.ts). */
export const RUN_MARK = 'NCP_CACHE_EXPORT_TEST_RUN';

/**
 * Processes that carry this run's mark in their environment (children of tests inherit it, even
 * once their parent is gone and they were handed to init), except the runner's own; killed.
 * Linux only (reads /proc); elsewhere none are found.
 */
function leftoverProcesses(runTag: string): string[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const mark = `${RUN_MARK}=${runTag}`;
  const found: string[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const environment = read(`/proc/${pid}/environ`);
    if (!environment?.split('\0').includes(mark)) continue;
    const command = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    // The runner's own: pool workers and its watchdog.
    if (command === '' || command.startsWith('vitest') || command.includes('node_modules/vitest'))
      continue;
    found.push(`process ${pid}: ${command.slice(0, 200)}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
