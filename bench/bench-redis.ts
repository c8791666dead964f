import { Redis } from 'ioredis';
import { privateRedis } from '../test/helpers/redis-server.ts';
import { registerPid, unregisterPid } from './cleanup.ts';

export interface BenchRedis {
  url: string;
  client: Redis;
  /** Removes every key (between repetitions). */
  flush(): Promise<void>;
  /** `INFO commandstats`: calls and microseconds per command since start. */
  commandStats(): Promise<CommandStats>;
  /** `INFO memory` used_memory, bytes. */
  usedMemory(): Promise<number>;
  /** CPU time redis-server used so far (user + system), ms. */
  cpuMs(): Promise<number>;
  dispose(): Promise<void>;
}

export interface CommandStats {
  calls: number;
  usec: number;
  byCommand: Map<string, number>;
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const server = await privateRedis();
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  await client.config('SET', 'appendonly', 'no');
  const pid = Number(/process_id:(\d+)/.exec(String(await client.info('server')))?.[1]);
  registerPid(pid);
  return {
    url: server.url,
    client,
    flush: async () => {
      await client.flushall();
    },
    commandStats: async () => parseCommandStats(String(await client.info('commandstats'))),
    usedMemory: async () =>
      Number(/used_memory:(\d+)/.exec(String(await client.info('memory')))?.[1] ?? Number.NaN),
    cpuMs: async () => {
      const info = String(await client.info('cpu'));
      const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1]);
      return 1000 * (field('used_cpu_user') + field('used_cpu_sys'));
    },
    dispose: async () => {
      client.disconnect();
      await server.dispose();
      unregisterPid(pid);
    },
  };
}

function parseCommandStats(info: string): CommandStats {
  const byCommand = new Map<string, number>();
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    if (match[1] === 'info') continue;
    byCommand.set(match[1]!, Number(match[2]));
    calls += Number(match[2]);
    usec += Number(match[3]);
  }
  return { calls, usec, byCommand };
}

/** Commands (and Redis CPU µs) per job between two `commandStats()` readings. */
export function perJob(before: CommandStats, after: CommandStats, jobs: number) {
  const top = [...after.byCommand]
    .map(([name, calls]) => [name, (calls - (before.byCommand.get(name) ?? 0)) / jobs] as const)
    .filter(([, calls]) => calls >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return {
    perCommand: new Map(top),
    calls: (after.calls - before.calls) / jobs,
    usec: (after.usec - before.usec) / jobs,
    top: top
      .slice(0, 8)
      .map(([name, calls]) => `${name} ${calls.toFixed(2)}`)
      .join(', '),
  };
}
