/**
 * Scenario 2, rate-limit fidelity: 4 worker processes share a limit of 100/s (then 5/s) with
 * 30 s of queued work. Achieved rate as a fraction of the limit (goal ≥ 0.97), and the most
 * calls the emulator saw in any 1-second window (goal: never above the limit).
 */

import { benchRequests, benchSeed, startBenchEmulator } from './bench-emulator.ts';
import { startBenchRedis } from './bench-redis.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { type LimitedRun, limitedRun } from './limited-run.ts';
import { atLeast, atMost, describe, format, median, type ResultRow } from './stats.ts';

const GUARD_MS = 20;
const LATENCY_MS = 20;
const WORKERS = 4;

export const rateScenario: Scenario = {
  name: 'rate',
  title: 'Rate-limit fidelity',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const seconds = ctx.quick ? 10 : 30;
    const rows: ResultRow[] = [];
    const notes: string[] = [
      `${WORKERS} worker processes × concurrency 16, emulator latency ${LATENCY_MS} ms, ` +
        `NCP_RATE_GUARD_MS ${GUARD_MS} (window ${1000 + GUARD_MS} ms): the guard alone caps ` +
        `the rate at ${format(1000 / (1000 + GUARD_MS), 3)} of the limit.`,
    ];
    for (const [limit, fullReps] of [
      [100, 3],
      [5, 2],
    ] as const) {
      const count = limit * seconds;
      const seed = benchSeed(count);
      const requests = benchRequests(seed, count);
      const redis = await startBenchRedis();
      const emulator = await startBenchEmulator(seed, ctx.dir('rate'), [
        '--latency',
        String(LATENCY_MS),
      ]);
      const runs = [];
      try {
        for (let rep = 0; rep < ctx.reps(fullReps); rep++) {
          const run = await limitedRun(ctx, redis, emulator, {
            label: `rate-${limit}-${rep}`,
            limit,
            requests,
            workers: WORKERS,
            env: { NCP_RATE_GUARD_MS: String(GUARD_MS) },
          });
          runs.push(run);
          ctx.log(
            `rate ${limit}/s rep ${rep + 1}: ${format(run.acceptedPerSecond, 2)}/s, ` +
              `max ${run.maxPerSecond} in 1 s, ${format(run.seconds, 1)} s`,
          );
        }
      } finally {
        await emulator.close();
        await redis.dispose();
      }
      const achieved = runs.map((run) => run.acceptedPerSecond);
      const worst = Math.max(...runs.map((run) => run.maxPerSecond));
      const booked = Math.max(...runs.map((run) => run.maxBookedPerSecond));
      const fraction = median(achieved) / limit;
      rows.push(
        {
          scenario: '2 rate',
          figure: `achieved / limit ${limit}/s (${count} calls, ${WORKERS} processes)`,
          measured: describe(achieved, 2, '/s'),
          reference: `limit ${limit}/s`,
          ratio: fraction,
          goal: atLeast(0.97),
        },
        {
          scenario: '2 rate',
          figure: `most calls in any 1 s window, limit ${limit}/s`,
          measured: `${worst} (worst of ${runs.length})`,
          reference: `limit ${limit}`,
          ratio: worst / limit,
          goal: atMost(1),
        },
        {
          scenario: '2 rate',
          figure: `diagnostic: most calls booked as sent in any 1 s, limit ${limit}/s`,
          measured: `${booked} (worst of ${runs.length})`,
          reference: "limiter's view (Redis clock)",
          ratio: booked / limit,
        },
      );
      // A slot is reused one window plus the time from the window opening to the next call
      // being booked as sent: wake-up, acquire round trip, signing, socket write, SENT script.
      const cycleMs = (1000 * limit) / median(achieved);
      notes.push(
        `limit ${limit}/s: each of the ${limit} slots came back every ${format(cycleMs, 1)} ms ` +
          `= ${1000 + GUARD_MS} ms window + ${format(cycleMs - 1000 - GUARD_MS, 1)} ms from a slot ` +
          `freeing to the next call booked as sent; ${format(
            median(runs.map((run) => run.evalshaPerJob)),
            1,
          )} EVALSHA per export (BullMQ's 2, the metrics' ≤ 1, the limiter's SENT 1 and its ` +
          'ACQUIRE tries: waiting workers ' +
          'retry when the oldest call leaves the window). ' +
          lagNote(runs, limit),
      );
    }
    return { rows, notes };
  },
};

/** The emulator's own lag, and whether it explains a window above the limit. */
function lagNote(runs: readonly LimitedRun[], limit: number): string {
  const lag = Math.max(...runs.map((run) => run.emulatorLagMaxMs));
  const worst = Math.max(...runs.map((run) => run.maxPerSecond));
  const text = `The emulator's event loop lagged up to ${format(lag, 0)} ms during the runs`;
  if (worst <= limit) return `${text}.`;
  const booked = Math.max(...runs.map((run) => run.maxBookedPerSecond));
  const seen = runs.map((run) => `${run.bookedCalls}/${run.requests}`).join(', ');
  return (
    `${text}, while the limiter booked at most ${booked} calls as sent in any 1 s (its SENT ` +
    `script's times, read with MONITOR: ${seen} calls): it books each call at or after the ` +
    'moment it is written to the socket, so the calls left within the limit, and the emulator ' +
    'counted some in a later window than the one they were sent in because it took them in ' +
    `late, by delays that varied more than the ${GUARD_MS} ms guard.`
  );
}
