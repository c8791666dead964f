/**
 * Preloaded into every benchmarked child process (`node --import bench/probe.ts ...`), so the
 * project's code needs no hooks of its own. When `BENCH_PROBE_FILE` is set it appends JSON lines
 * to that file:
 *
 * - on SIGUSR2: a memory sample, after a full GC when the child runs with `--expose-gc`, with
 *   the event-loop delay since the previous sample;
 * - on exit: the peak RSS (`process.resourceUsage().maxRSS`), CPU time and event-loop delay;
 * - every `BENCH_PROBE_INTERVAL_MS`, when set: a tick (no GC), for the event-loop delay over time.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeSample {
  kind: 'sample' | 'exit' | 'tick';
  pid: number;
  /** ms since the epoch */
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** Peak RSS so far, bytes. */
  maxRssBytes: number;
  /** CPU time used so far, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Event-loop delay since the last sample: p99 and max, ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const write = (kind: ProbeSample['kind']) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (kind === 'sample' && gc) gc();
    const memory = process.memoryUsage();
    const usage = process.resourceUsage();
    const sample: ProbeSample = {
      kind,
      pid: process.pid,
      at: Date.now(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      maxRssBytes: usage.maxRSS * 1024,
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
      loopDelayP99Ms: lag.percentile(99) / 1e6,
      loopDelayMaxMs: lag.max / 1e6,
    };
    lag.reset();
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  };
  process.on('SIGUSR2', () => write('sample'));
  const interval = Number(process.env.BENCH_PROBE_INTERVAL_MS);
  if (interval > 0) setInterval(() => write('tick'), interval).unref();
  process.on('exit', () => write('exit'));
}
