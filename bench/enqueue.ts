/**
 * Scenario 4, enqueue: `bulk FILE.csv` (the CLI, in its own process) against the reference in
 * `reference-enqueue.ts` (raw addBulk of the same jobs), on 100,000 and 1,000,000 rows, in turn
 * (A B, B A, ...). Rows per second including process start (goal ≥ 0.8 of the reference), and
 * peak RSS (goal: flat, the million rows well under ten times the 100,000, and under 200 MB).
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { type BenchRedis, startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { benchScript, cliScript, runToEnd } from './processes.ts';
import { atLeast, atMost, describe, format, median, mib, type ResultRow } from './stats.ts';

/** `check`: addBulk and the producer's duplicate check; `dry`: bulk --dry-run (validation). */
type Subject = 'bulk' | 'addBulk' | 'check' | 'dry';

interface EnqueueRun {
  rowsPerSecond: number;
  seconds: number;
  peakRssBytes: number;
  redisBytesPerJob: number;
}

export const enqueueScenario: Scenario = {
  name: 'enqueue',
  title: 'Enqueue',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const sizes: [number, number][] = ctx.quick
      ? [
          [10_000, 1],
          [100_000, 1],
        ]
      : [
          [100_000, ctx.reps(3)],
          [1_000_000, ctx.reps(1)],
        ];
    const redis = await startBenchRedis();
    const results = new Map<number, Map<Subject, EnqueueRun[]>>();
    try {
      const startup = await enqueueOnce(ctx, redis, await csvFile(ctx, 1), 'bulk', 'startup');
      const refStartup = await enqueueOnce(ctx, redis, await csvFile(ctx, 1), 'addBulk', 'startup');
      for (const [rows, reps] of sizes) {
        const file = await csvFile(ctx, rows);
        const runs = new Map<Subject, EnqueueRun[]>();
        // The diagnostics (check, dry) on 100,000 rows only, in each repetition.
        const subjects: Subject[] =
          rows === 100_000 ? ['bulk', 'addBulk', 'check', 'dry'] : ['bulk', 'addBulk'];
        for (let rep = 0; rep < reps; rep++) {
          const order = rep % 2 ? [...subjects].reverse() : subjects;
          for (const subject of order) {
            if (!runs.has(subject)) runs.set(subject, []);
            const run = await enqueueOnce(ctx, redis, file, subject, `${rows}-${rep}`, rows);
            runs.get(subject)!.push(run);
            ctx.log(
              `enqueue ${subject} ${format(rows)} rep ${rep + 1}: ${format(run.rowsPerSecond)} rows/s, ` +
                `peak RSS ${mib(run.peakRssBytes)}`,
            );
          }
        }
        results.set(rows, runs);
      }
      return summarize(results, startup.seconds, refStartup.seconds);
    } finally {
      await redis.dispose();
    }
  },
};

async function enqueueOnce(
  ctx: BenchContext,
  redis: BenchRedis,
  file: string,
  subject: Subject,
  label: string,
  rows = 1,
): Promise<EnqueueRun> {
  await redis.flush();
  const prefix = `bench-enqueue-${label}`;
  const started = performance.now();
  const cli = subject === 'bulk' || subject === 'dry';
  const child = await runToEnd({
    name: `${subject}-${label}`,
    script: cli ? cliScript(ctx.options.cli) : benchScript('reference-enqueue.ts'),
    args: cli ? ['bulk', file, '--json', ...(subject === 'dry' ? ['--dry-run'] : [])] : [file],
    env: {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      NCP_REGION: 'KR',
      REFERENCE_CHECK: subject === 'check' ? '1' : '0',
    },
    outDir: ctx.dir('enqueue'),
    profileDir: rows > 1 ? ctx.profileDir('enqueue') : undefined,
  });
  const seconds = (performance.now() - started) / 1000;
  const queued = await redis.client.llen(`${prefix}:cache-export:wait`);
  if (queued !== (subject === 'dry' ? 0 : rows))
    throw new Error(`${subject} ${label}: ${queued} jobs queued, not ${rows}`);
  return {
    rowsPerSecond: rows / seconds,
    seconds,
    peakRssBytes: child.exitSample()?.maxRssBytes ?? Number.NaN,
    redisBytesPerJob: (await redis.usedMemory()) / rows,
  };
}

/** A CSV of `rows` distinct valid exports (written once per run of the scenario). */
async function csvFile(ctx: BenchContext, rows: number): Promise<string> {
  const path = join(ctx.dir('enqueue'), `rows-${rows}.csv`);
  const out = createWriteStream(path);
  out.write('api,instanceNo,fileName,bucketName,backupTypeMode,regionCode\n');
  for (let i = 0; i < rows; i++) {
    const api = i % 2 ? 'vcache' : 'vredis';
    if (!out.write(`${api},${1_000_000 + i},20240702,cache-backup,SYSTEM,KR\n`)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return path;
}

function summarize(
  results: Map<number, Map<Subject, EnqueueRun[]>>,
  bulkStartup: number,
  refStartup: number,
): ScenarioResult {
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  for (const [count, runs] of results) {
    const bulk = runs.get('bulk')!;
    const ref = runs.get('addBulk')!;
    rows.push({
      scenario: '4 enqueue',
      figure: `bulk ${format(count)} CSV rows`,
      measured: describe(
        bulk.map((run) => run.rowsPerSecond),
        0,
        ' rows/s',
      ),
      reference: `addBulk: ${describe(
        ref.map((run) => run.rowsPerSecond),
        0,
        ' rows/s',
      )}`,
      ratio: median(bulk.map((run, i) => run.rowsPerSecond / ref[i]!.rowsPerSecond)),
      goal: atLeast(0.8),
    });
    notes.push(
      `${format(count)} rows: bulk ${describe(
        bulk.map((r) => r.seconds),
        1,
        ' s',
      )}, addBulk ${describe(
        ref.map((r) => r.seconds),
        1,
        ' s',
      )}; peak RSS bulk ${mib(median(bulk.map((r) => r.peakRssBytes)))}, addBulk ${mib(
        median(ref.map((r) => r.peakRssBytes)),
      )}; Redis used_memory ${format(median(bulk.map((r) => r.redisBytesPerJob)))} bytes per queued job.`,
    );
    const check = runs.get('check');
    const dry = runs.get('dry');
    if (check && dry) {
      const seconds = (list: EnqueueRun[]) => median(list.map((run) => run.seconds));
      const extra = seconds(bulk) - seconds(ref);
      const checkCost = seconds(check) - seconds(ref);
      const dryCost = seconds(dry) - bulkStartup;
      const startCost = bulkStartup - refStartup;
      notes.push(
        `Where bulk's ${format(extra, 1)} s over addBulk go (${format(count)} rows, medians): ` +
          `the duplicate check after each chunk (addBulk + check − addBulk) ${format(checkCost, 1)} s, ` +
          `the validation pass before any enqueue (bulk --dry-run − start) ${format(dryCost, 1)} s, ` +
          `a longer start ${format(startCost, 1)} s, the rest (second parse and validation, ` +
          `overlapped with Redis) ${format(extra - checkCost - dryCost - startCost, 1)} s.`,
      );
    }
  }
  const [small, large] = [...results.keys()].sort((a, b) => a - b);
  if (small !== undefined && large !== undefined) {
    const peak = (count: number) =>
      median(
        results
          .get(count)!
          .get('bulk')!
          .map((run) => run.peakRssBytes),
      );
    rows.push({
      scenario: '4 enqueue',
      figure: `bulk peak RSS, ${format(large)} rows / ${format(small)} rows`,
      measured: `${mib(peak(large))} / ${mib(peak(small))}`,
      reference: 'linear would be 10',
      ratio: peak(large) / peak(small),
      ratioDigits: 2,
      goal: atMost(1.5),
    });
    // Issue 14: under 200 MB (10^6 bytes) of RSS at any size; checked on the largest run.
    rows.push({
      scenario: '4 enqueue',
      figure: `bulk peak RSS in MB, ${format(large)} rows`,
      measured: mib(peak(large)),
      reference: 'goal: under 200 MB at any size',
      ratio: peak(large) / 1e6,
      ratioDigits: 1,
      goal: atMost(200),
    });
  }
  notes.push(
    `Process start to exit, both as child processes: a 1-row file takes bulk ${format(bulkStartup, 2)} s ` +
      `and the reference ${format(refStartup, 2)} s (Node start, module loading, Redis connection).`,
  );
  return { rows, notes };
}
