/**
 * Scenario 3, throttle recovery: the emulator's real limit (80/s) below the configured one
 * (100/s), 4 worker processes, 30 s of work at the real limit. The 429s after the first, and the
 * accepted rate as a fraction of the emulator's limit. The issue sets no goal for these; they
 * are reported for the AIMD design in docs/design.md (cut to 3/4 after 429s, +5% every 5 s).
 */

import { benchRequests, benchSeed, startBenchEmulator } from './bench-emulator.ts';
import { startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { type LimitedRun, limitedRun } from './limited-run.ts';
import { describe, format, median } from './stats.ts';

const CONFIGURED = 100;
const REAL = 80;
const WORKERS = 4;

export const throttleScenario: Scenario = {
  name: 'throttle',
  title: 'Throttle recovery',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const seconds = ctx.quick ? 10 : 30;
    const count = REAL * seconds;
    const seed = benchSeed(count);
    const requests = benchRequests(seed, count);
    const redis = await startBenchRedis();
    const emulator = await startBenchEmulator(seed, ctx.dir('throttle'), [
      '--latency',
      '20',
      '--rate',
      String(REAL),
    ]);
    const runs: LimitedRun[] = [];
    try {
      for (let rep = 0; rep < ctx.reps(3); rep++) {
        const run = await limitedRun(ctx, redis, emulator, {
          label: `throttle-${rep}`,
          limit: CONFIGURED,
          requests,
          workers: WORKERS,
        });
        runs.push(run);
        ctx.log(
          `throttle rep ${rep + 1}: ${format(run.acceptedPerSecond, 2)}/s accepted, ` +
            `${run.throttled} 429s in ${run.throttleEpisodes} episodes, ${format(run.seconds, 1)} s`,
        );
      }
    } finally {
      await emulator.close();
      await redis.dispose();
    }
    const after = runs.map((run) => run.throttled - 1);
    const accepted = runs.map((run) => run.acceptedPerSecond);
    const episodes = runs.map((run) => run.throttleEpisodes);
    return {
      rows: [
        {
          scenario: '3 throttle',
          figure: `429s after the first (NCP ${REAL}/s, configured ${CONFIGURED}/s, ${count} calls)`,
          measured: describe(after, 0),
          reference: `in ${describe(episodes, 0)} episodes`,
        },
        {
          scenario: '3 throttle',
          figure: `accepted rate / NCP's limit ${REAL}/s`,
          measured: describe(accepted, 2, '/s'),
          reference: `NCP limit ${REAL}/s`,
          ratio: median(accepted) / REAL,
        },
      ],
      notes: [
        `${WORKERS} worker processes × 16, emulator latency 20 ms, no Retry-After. An episode is ` +
          'a group of 429s less than 1 s apart: the first comes from starting at the configured ' +
          'limit, each later one from the limit in force growing back above the real one (AIMD ' +
          'probing: +5% every 5 s, cut to 3/4 on a 429, with a global pause of 1 s doubling per ' +
          `429 in a row). Calls per export: ${format(median(runs.map((r) => r.requests / count)), 3)}.`,
      ],
    };
  },
};
