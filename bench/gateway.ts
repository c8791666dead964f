/**
 * Scenario 6, a gateway we cannot see (issue 13): the workers against each gateway model of the
 * emulator (sliding window, token bucket with a burst of 4, calendar seconds) with 40 ms of
 * transit jitter, configured at the gateway's limit; then configured 5x above it; then a
 * gateway answering `Retry-After: 86400` on every 429. 3 worker processes x 16, as the issue.
 */
import { readFileSync } from 'node:fs';
import { benchRequests, benchSeed, startBenchEmulator } from './bench-emulator.ts';
import { startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { type LimitedRun, limitedRun } from './limited-run.ts';
import { atLeast, atMost, format, type ResultRow } from './stats.ts';

const WORKERS = 3;
const LIMIT = 20;
/** Shorter than the product's default (60 s), so the Retry-After case takes a minute, not five. */
const RETRY_AFTER_CAP_MS = 10_000;

interface Case {
  name: string;
  gateway: string;
  emulatorArgs: string[];
  limit: number;
  configured: number;
  exports: number;
  env?: Record<string, string>;
}

export const gatewayScenario: Scenario = {
  name: 'gateway',
  title: 'A gateway we cannot see',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const size = (full: number) => (ctx.quick ? Math.round(full / 2) : full);
    const jitter = ['--jitter', '40', '--latency', '20'];
    const cases: Case[] = [
      {
        name: 'sliding',
        gateway: `at most ${LIMIT} in any sliding 1 s, 40 ms jitter`,
        emulatorArgs: ['--rate', String(LIMIT), '--gateway', 'sliding', ...jitter],
        limit: LIMIT,
        configured: LIMIT,
        exports: size(400),
      },
      {
        name: 'bucket',
        gateway: `token bucket, ${LIMIT}/s with a burst of 4, 40 ms jitter`,
        emulatorArgs: [
          '--rate',
          String(LIMIT),
          '--gateway',
          'token-bucket',
          '--burst',
          '4',
          ...jitter,
        ],
        limit: LIMIT,
        configured: LIMIT,
        exports: size(400),
      },
      {
        name: 'fixed',
        gateway: `${LIMIT} per calendar second, 40 ms jitter`,
        emulatorArgs: ['--rate', String(LIMIT), '--gateway', 'fixed', ...jitter],
        limit: LIMIT,
        configured: LIMIT,
        exports: size(400),
      },
      {
        name: 'over',
        gateway: `sliding ${LIMIT}/s, 20 ms jitter, no Retry-After`,
        emulatorArgs: ['--rate', String(LIMIT), '--jitter', '20', '--latency', '20'],
        limit: LIMIT,
        configured: 5 * LIMIT,
        exports: size(600),
      },
      {
        name: 'retry',
        gateway: 'sliding 10/s answering `Retry-After: 86400`',
        emulatorArgs: ['--rate', '10', '--retry-after', '86400', '--latency', '20'],
        limit: 10,
        configured: LIMIT,
        exports: size(200),
        env: { NCP_RETRY_AFTER_MAX_MS: String(RETRY_AFTER_CAP_MS) },
      },
    ];
    const rows: ResultRow[] = [];
    const table: string[] = [];
    const redis = await startBenchRedis();
    try {
      for (const c of cases) {
        const seed = benchSeed(c.exports);
        const emulator = await startBenchEmulator(seed, ctx.dir('gateway'), c.emulatorArgs);
        let run: LimitedRun;
        try {
          run = await limitedRun(ctx, redis, emulator, {
            label: `gateway-${c.name}`,
            limit: c.configured,
            requests: benchRequests(seed, c.exports),
            workers: WORKERS,
            ...(c.env ? { env: c.env } : {}),
          });
        } catch (error) {
          // A worker that does not finish (e.g. waits out a day's Retry-After) is a result too.
          const message = (error as Error).message;
          ctx.log(`gateway ${c.name}: ${message}`);
          table.push(`| ${c.gateway} | ${c.configured}/s | did not finish: ${message} |`);
          rows.push({
            scenario: '6 gateway',
            figure: `${c.gateway}, configured ${c.configured}/s`,
            measured: `did not finish: ${message}`,
          });
          continue;
        } finally {
          await emulator.close();
        }
        const share = run.throttled / run.requests;
        const ofLimit = run.acceptedPerSecond / c.limit;
        ctx.log(
          `gateway ${c.name}: ${format(ofLimit, 3)} of the limit, ${run.throttled} 429s of ` +
            `${run.requests} calls, ${format(run.seconds, 1)} s`,
        );
        table.push(
          `| ${c.gateway} | ${c.configured}/s | ${format(ofLimit, 2)} of the limit, ` +
            `${run.throttled} 429s of ${run.requests} calls (${format(100 * share, 1)}%), ` +
            `${c.exports} exports in ${format(run.seconds, 1)} s |`,
        );
        const label = `${c.gateway}, configured ${c.configured}/s`;
        if (c.name === 'retry') {
          const longest = longestPause(run.logPaths);
          rows.push({
            scenario: '6 gateway',
            figure: `longest pause, ${label} (cap ${RETRY_AFTER_CAP_MS} ms)`,
            measured: `${longest} ms; ${c.exports} of ${c.exports} exports done in ${format(run.seconds, 1)} s`,
            reference: `NCP_RETRY_AFTER_MAX_MS ${RETRY_AFTER_CAP_MS}`,
            ratio: longest / RETRY_AFTER_CAP_MS,
            goal: atMost(1),
          });
          continue;
        }
        const over = c.name === 'over';
        rows.push(
          {
            scenario: '6 gateway',
            figure: `accepted rate / gateway limit, ${label}`,
            measured: `${format(run.acceptedPerSecond, 2)}/s`,
            reference: `${c.limit}/s`,
            ratio: ofLimit,
            goal: atLeast(over ? 0.9 : 0.95),
          },
          {
            scenario: '6 gateway',
            figure: `share of calls 429, ${label}`,
            measured: `${run.throttled} of ${run.requests}`,
            reference: 'calls',
            ratio: share,
            goal: atMost(over ? 0.02 : 0.01),
          },
        );
      }
    } finally {
      await redis.dispose();
    }
    return {
      rows,
      notes: [
        `${WORKERS} worker processes x 16, emulator latency 20 ms, NCP_RATE_BURST 1, ` +
          "NCP_RATE_GUARD_MS 20. The issue's table for the product (accepted rate from the " +
          "emulator's record of accepted exports, over every 1 s window of the run):",
        `\n\n| gateway | configured | result |\n|---|---|---|\n${table.join('\n')}\n`,
      ],
    };
  },
};

/** The longest global pause the workers logged after a 429 (`pauseMs` of the throttle line). */
function longestPause(logPaths: readonly string[]): number {
  let longest = 0;
  for (const path of logPaths) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const pause = /"pauseMs":(\d+)/.exec(line);
      if (pause) longest = Math.max(longest, Number(pause[1]));
    }
  }
  return longest;
}
