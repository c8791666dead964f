/**
 * The emulator of a scenario in its own process, with a seed and requests of any size, and
 * what the benchmarks read from it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExportRequestInput } from '../shared/contract.ts';
import { generateSeed, type Seed } from '../test/emulator/index.ts';
import { type EmulatorProcess, startEmulatorProcess } from '../test/helpers/emulator-process.ts';
import { registerPid, unregisterPid } from './cleanup.ts';
import type { ProbeSample } from './probe.ts';
import { benchScript, pause } from './processes.ts';

const BUCKETS = Array.from({ length: 20 }, (_, i) => `bench-bucket-${String(i).padStart(2, '0')}`);

/** A seed holding at least `requests` distinct exports: 2 SYSTEM backups x 20 buckets each. */
export function benchSeed(requests: number): Seed {
  const perInstance = 2 * BUCKETS.length;
  return generateSeed({
    instances: Math.max(1, Math.ceil(requests / perInstance)),
    systemBackups: 2,
    manualBackups: 0,
    buckets: BUCKETS,
  });
}

/** `count` distinct export requests the seed accepts. */
export function benchRequests(seed: Seed, count: number): ExportRequestInput[] {
  const requests: ExportRequestInput[] = [];
  for (const instance of seed.instances) {
    for (const backup of instance.backups) {
      for (const bucketName of seed.buckets) {
        if (requests.length >= count) return requests;
        requests.push({
          api: instance.api,
          instanceNo: instance.instanceNo,
          fileName: backup.fileName,
          bucketName,
          regionCode: instance.regionCode,
        });
      }
    }
  }
  if (requests.length < count) throw new Error(`the seed holds fewer than ${count} exports`);
  return requests;
}

export interface BenchEmulator extends EmulatorProcess {
  /** The emulator's event-loop delay between two times (ms since the epoch), from the probe. */
  loopDelay(from: number, to: number): { maxMs: number; p99Ms: number };
  /** CPU time the emulator process used so far (user + system), ms. */
  cpuMs(): Promise<number>;
}

let emulators = 0;

/**
 * The emulator in its own process (the test helper), with the probe preloaded through
 * NODE_OPTIONS (the helper passes the environment on) ticking every 250 ms: how late the
 * emulator sees calls is part of what it measures.
 */
export async function startBenchEmulator(
  seed: Seed,
  outDir: string,
  args: string[] = [],
): Promise<BenchEmulator> {
  const probeFile = join(outDir, `emulator-${++emulators}.probe.jsonl`);
  writeFileSync(probeFile, '');
  const names = ['NODE_OPTIONS', 'BENCH_PROBE_FILE', 'BENCH_PROBE_INTERVAL_MS'] as const;
  const saved = names.map((name) => process.env[name]);
  Object.assign(process.env, {
    NODE_OPTIONS: `--import ${pathToFileURL(benchScript('probe.ts')).href}`,
    BENCH_PROBE_FILE: probeFile,
    BENCH_PROBE_INTERVAL_MS: '250',
  });
  let started: Promise<EmulatorProcess>;
  try {
    started = startEmulatorProcess(seed, args); // spawns before its first await
  } finally {
    names.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
  }
  const ticks = (): ProbeSample[] =>
    existsSync(probeFile)
      ? readFileSync(probeFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as ProbeSample)
      : [];
  const emulator = await started;
  // Its pid comes with the probe's first tick.
  const deadline = Date.now() + 5000;
  let pid: number | undefined;
  while (pid === undefined && Date.now() < deadline) {
    pid = ticks()[0]?.pid;
    if (pid === undefined) await pause(50);
  }
  registerPid(pid);
  return {
    ...emulator,
    async close() {
      await emulator.close();
      unregisterPid(pid);
    },
    loopDelay(from, to) {
      const window = ticks().filter((tick) => tick.at >= from && tick.at <= to + 250);
      return {
        maxMs: Math.max(0, ...window.map((tick) => tick.loopDelayMaxMs)),
        p99Ms: Math.max(0, ...window.map((tick) => tick.loopDelayP99Ms)),
      };
    },
    async cpuMs() {
      if (pid === undefined) return Number.NaN;
      const before = ticks();
      process.kill(pid, 'SIGUSR2');
      const deadline = Date.now() + 5000;
      for (;;) {
        const sample = ticks()
          .slice(before.length)
          .find((tick) => tick.kind === 'sample');
        if (sample) return sample.cpuUserMs + sample.cpuSystemMs;
        if (Date.now() > deadline) return Number.NaN;
        await pause(10);
      }
    },
  };
}

/** Forgets the emulator's counters and recorded exports (its admin route). */
export async function resetEmulator(emulatorUrl: string): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__admin/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`emulator reset: HTTP ${response.status}`);
}

/** Accepted-export times (ms since the epoch), sorted, from the emulator's admin route. */
export async function acceptedTimes(emulatorUrl: string): Promise<number[]> {
  const response = await fetch(`${emulatorUrl}/__admin/exports`);
  const exports = (await response.json()) as { at: number }[];
  return exports.map((entry) => entry.at).sort((a, b) => a - b);
}
