/**
 * Scenario 7, report: `report --format json` (the CLI, in its own process) over the summaries
 * of 10,000 instances with 30 days of outcomes each, against the reference in
 * `reference-report.ts` (a bare read of the same hashes), in turn. Time to answer including
 * process start (goal: under 2 s) and peak RSS (goal: flat, 10,000 instances within 1.5 × the
 * RSS of 1,000).
 *
 * Set-up writes the summaries in bulk (pipelined HSET and ZADD in the layout the ledger's script
 * keeps, checked against one written through the ledger) rather than 600,000 records: the
 * report reads only the summaries, so what it answers from is the same.
 */
import { Redis } from 'ioredis';
import { Ledger } from '../shared/ledger/index.ts';
import { SUMMARY_DAYS, summaryIndexKey, summaryKey } from '../shared/ledger/summary.ts';
import { type BenchRedis, startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { benchScript, cliScript, runToEnd } from './processes.ts';
import { atMost, describe, format, median, mib, type ResultRow } from './stats.ts';

const DAY_MS = 86_400_000;
const DAYS = 30;
const PREFIX = 'bench-report';

type Subject = 'report' | 'reference';

interface ReportRun {
  seconds: number;
  /** CPU time of the process (user + system), s: on a busy machine, what the wall time hides. */
  cpuSeconds: number;
  peakRssBytes: number;
}

export const reportScenario: Scenario = {
  name: 'report',
  title: 'Report',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const reps = ctx.reps(3);
    const sizes = [1_000, 10_000];
    const redis = await startBenchRedis();
    const results = new Map<number, Map<Subject, ReportRun[]>>();
    try {
      for (const instances of sizes) {
        await redis.flush();
        const started = performance.now();
        await writeSummaries(redis, instances);
        ctx.log(
          `report: ${format(instances)} summaries of ${DAYS} days written in ${format((performance.now() - started) / 1000, 1)} s`,
        );
        const runs = new Map<Subject, ReportRun[]>([
          ['report', []],
          ['reference', []],
        ]);
        for (let rep = 0; rep < reps; rep++) {
          const order: Subject[] = rep % 2 ? ['reference', 'report'] : ['report', 'reference'];
          for (const subject of order) {
            const run = await reportOnce(ctx, redis, subject, `${instances}-${rep}`);
            runs.get(subject)!.push(run);
            ctx.log(
              `report ${subject} ${format(instances)} rep ${rep + 1}: ${format(run.seconds, 2)} s (CPU ${format(run.cpuSeconds, 2)} s), peak RSS ${mib(run.peakRssBytes)}`,
            );
          }
        }
        results.set(instances, runs);
      }
      return summarize(results);
    } finally {
      await redis.dispose();
    }
  },
};

async function reportOnce(
  ctx: BenchContext,
  redis: BenchRedis,
  subject: Subject,
  label: string,
): Promise<ReportRun> {
  const started = performance.now();
  const child = await runToEnd({
    name: `${subject}-${label}`,
    script: subject === 'report' ? cliScript(ctx.options.cli) : benchScript('reference-report.ts'),
    args: subject === 'report' ? ['report', '--format', 'json', '--days', '30'] : [],
    env: { REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX },
    outDir: ctx.dir('report'),
    profileDir: ctx.profileDir('report'),
  });
  const exit = child.exitSample();
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: exit ? (exit.cpuUserMs + exit.cpuSystemMs) / 1000 : Number.NaN,
    peakRssBytes: exit?.maxRssBytes ?? Number.NaN,
  };
}

/**
 * `instances` summaries with a run a day (a failure every fifth day) for 30 days, the last
 * success 0 to 48 hours old; written after checking the layout against the ledger's own.
 */
async function writeSummaries(redis: BenchRedis, instances: number): Promise<void> {
  const now = Date.now();
  const today = Math.floor(now / DAY_MS);
  const fields = (i: number): Record<string, string | number> => {
    const okAt = now - (i % 49) * 3_600_000;
    const hash: Record<string, string | number> = {
      api: 'vredis',
      region: 'KR',
      instance: String(1_000_000 + i),
      ok_at: okAt,
      ok_job: `vredis~KR~${1_000_000 + i}~SYSTEM~20240702~cache-backup`,
      ok_file: '20240702',
      ok_bucket: 'cache-backup',
      fail_at: now - 5 * DAY_MS,
      fail_job: `vredis~KR~${1_000_000 + i}~SYSTEM~20240627~cache-backup`,
      fail_kind: 'server',
      fail_code: '500',
      fail_message: 'exportBackupToObjectStorage: HTTP 503, errorCode 500: Endpoint Error',
    };
    for (let d = 0; d < Math.min(DAYS, SUMMARY_DAYS); d++) {
      hash[`r:${today - d}`] = 1;
      if (d % 5 === 0) hash[`f:${today - d}`] = 1;
    }
    return hash;
  };
  await checkLayout(redis, fields(0));
  await redis.flush();
  const index = summaryIndexKey(PREFIX);
  for (let start = 0; start < instances; start += 1000) {
    const pipeline = redis.client.pipeline();
    for (let i = start; i < Math.min(instances, start + 1000); i++) {
      const hash = fields(i);
      const member = `vredis~KR~${hash.instance}`;
      pipeline.hset(summaryKey(PREFIX, member), hash);
      pipeline.zadd(index, hash.ok_at!, member);
    }
    await pipeline.exec();
  }
}

/** Fails when the ledger keeps other fields than the set-up writes (the layout changed). */
async function checkLayout(redis: BenchRedis, expected: Record<string, string | number>) {
  const connection = new Redis(redis.url);
  const ledger = new Ledger({
    connection,
    prefix: PREFIX,
    policy: { keepCompletedSeconds: 60, keepFailedSeconds: 60 },
  });
  try {
    const record = (status: 'succeeded' | 'failed', at: number) => ({
      jobId: `${status}-${at}`,
      request: {
        api: 'vredis',
        instanceNo: '1000000',
        fileName: '20240702',
        bucketName: 'cache-backup',
        backupTypeMode: 'SYSTEM',
        regionCode: 'KR',
      },
      status,
      attempts: 1,
      httpStatus: 200,
      requestId: null,
      returnCode: null,
      returnMessage: null,
      error:
        status === 'failed'
          ? { kind: 'server' as const, code: '500', message: 'x', retryable: true }
          : null,
      enqueuedAt: new Date(at).toISOString(),
      startedAt: new Date(at).toISOString(),
      finishedAt: new Date(at).toISOString(),
      meta: {},
    });
    await ledger.recordExport(record('failed', Date.now() - 5 * DAY_MS));
    await ledger.recordExport(record('succeeded', Date.now()));
    const written = await connection.hgetall(summaryKey(PREFIX, 'vredis~KR~1000000'));
    const names = (hash: Record<string, unknown>) =>
      Object.keys(hash)
        .filter((name) => !/^[rf]:/.test(name))
        .sort()
        .join(',');
    if (names(written) !== names(expected)) {
      throw new Error(
        `report set-up: the ledger keeps ${names(written)}, the set-up writes ${names(expected)}`,
      );
    }
  } finally {
    await ledger.close();
    connection.disconnect();
  }
}

function summarize(results: Map<number, Map<Subject, ReportRun[]>>): ScenarioResult {
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  const at = (n: number, subject: Subject) => results.get(n)!.get(subject)!;
  const large = at(10_000, 'report');
  const largeRef = at(10_000, 'reference');
  rows.push({
    scenario: '7 report',
    figure: 'report, 10,000 instances × 30 days: time to answer (s)',
    measured: describe(
      large.map((r) => r.seconds),
      2,
      ' s',
    ),
    reference: `HGETALL of the same: ${describe(
      largeRef.map((r) => r.seconds),
      2,
      ' s',
    )}`,
    ratio: median(large.map((r) => r.seconds)),
    ratioDigits: 2,
    goal: atMost(2),
  });
  const peak = (runs: ReportRun[]) => median(runs.map((r) => r.peakRssBytes));
  rows.push({
    scenario: '7 report',
    figure: 'peak RSS, 10,000 instances / 1,000',
    measured: `${mib(peak(large))} / ${mib(peak(at(1_000, 'report')))}`,
    reference: `reference: ${mib(peak(largeRef))} / ${mib(peak(at(1_000, 'reference')))}`,
    ratio: peak(large) / peak(at(1_000, 'report')),
    goal: atMost(1.5),
  });
  const seconds = (runs: ReportRun[]) => median(runs.map((r) => r.seconds));
  const cpu = (runs: ReportRun[]) => median(runs.map((r) => r.cpuSeconds));
  notes.push(
    `CPU time (user + system, medians): report ${format(cpu(large), 2)} s at 10,000 and ${format(
      cpu(at(1_000, 'report')),
      2,
    )} s at 1,000 (its start); reference ${format(cpu(largeRef), 2)} s and ${format(
      cpu(at(1_000, 'reference')),
      2,
    )} s. On a machine whose other work keeps the cores busy, the wall time above is this much CPU plus waiting for a core.`,
  );
  notes.push(
    `report / reference, same run: time ${format(seconds(large) / seconds(largeRef), 2)} (10,000), ${format(
      seconds(at(1_000, 'report')) / seconds(at(1_000, 'reference')),
      2,
    )} (1,000); peak RSS ${format(peak(large) / peak(largeRef), 2)} (10,000). Both include process start; the CLI's start (commander, BullMQ, zod) is most of its time at 1,000 instances.`,
  );
  return { rows, notes };
}
