/**
 * Scenario 6, start-up: process start to exit of `enqueue` (one export) and `status`, against
 * `node -e 0` and a bare BullMQ script doing the same (`reference-start.ts`), each a child
 * process on the same private Redis, in rotated order. The figure is the CLI's time minus the
 * bare script's in the same repetition (goal: at most 0.15 s, issue #14). Beside it, the CPU
 * time (user + system) of each process, through /usr/bin/time where there is one: on a loaded
 * machine the wall-clock difference grows with the load, the CPU one much less.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startBenchRedis } from './bench-redis.ts';
import { registerPid, unregisterPid } from './cleanup.ts';
import type { BenchContext, Scenario, ScenarioResult } from './context.ts';
import { benchScript, cliScript } from './processes.ts';
import { atMost, describe, format, median, type ResultRow } from './stats.ts';

type Subject = 'node' | 'add' | 'counts' | 'enqueue' | 'status';
const SUBJECTS: Subject[] = ['node', 'add', 'enqueue', 'counts', 'status'];

export const startupScenario: Scenario = {
  name: 'startup',
  title: 'Start-up',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const reps = ctx.reps(10, 3);
    const redis = await startBenchRedis();
    const seconds = new Map<Subject, number[]>(SUBJECTS.map((s) => [s, []]));
    const cpu = new Map<Subject, number[]>(SUBJECTS.map((s) => [s, []]));
    const env = { REDIS_URL: redis.url, QUEUE_PREFIX: 'bench-startup', NCP_REGION: 'KR' };
    const cli = cliScript(ctx.options.cli);
    const reference = benchScript('reference-start.ts');
    const argv: Record<Subject, string[]> = {
      node: ['-e', '0'],
      add: [reference, 'add'],
      counts: [reference, 'counts'],
      enqueue: [cli, 'enqueue', '--api', 'vredis', '--instance', '1234511', '--file', '20240702'],
      status: [cli, 'status'],
    };
    argv.enqueue.push('--bucket', 'cache-backup');
    try {
      for (let rep = 0; rep < reps; rep++) {
        const order = SUBJECTS.map((_, i) => SUBJECTS[(i + rep) % SUBJECTS.length]!);
        for (const subject of order) {
          const run = await timeToExit(argv[subject], env);
          seconds.get(subject)!.push(run.seconds);
          if (run.cpuSeconds !== undefined) cpu.get(subject)!.push(run.cpuSeconds);
        }
      }
      ctx.log(
        `startup: ${SUBJECTS.map((s) => `${s} ${format(median(seconds.get(s)!), 3)} s`).join(', ')}`,
      );
      return summarize(seconds, cpu);
    } finally {
      await redis.dispose();
    }
  },
};

const TIME = '/usr/bin/time';

/**
 * Seconds from spawning `node ...args` to its exit, and its CPU seconds (user + system) when
 * /usr/bin/time is there to tell them; rejects on a non-zero exit.
 */
async function timeToExit(
  args: string[],
  env: Record<string, string>,
): Promise<{ seconds: number; cpuSeconds: number | undefined }> {
  const timed = existsSync(TIME);
  const started = performance.now();
  const child = timed
    ? spawn(TIME, ['-f', 'cpu %U %S', process.execPath, ...args], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn(process.execPath, args, {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
  registerPid(child.pid);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  unregisterPid(child.pid);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`);
  const times = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return { seconds, cpuSeconds: times ? Number(times[1]) + Number(times[2]) : undefined };
}

function summarize(seconds: Map<Subject, number[]>, cpu: Map<Subject, number[]>): ScenarioResult {
  const of = (subject: Subject) => seconds.get(subject)!;
  const cpuOf = (subject: Subject) => cpu.get(subject)!;
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  for (const [command, bare] of [
    ['enqueue', 'add'],
    ['status', 'counts'],
  ] as const) {
    const differences = of(command).map((s, i) => s - of(bare)[i]!);
    rows.push({
      scenario: '6 startup',
      figure: `${command}: start to exit − bare BullMQ script (s)`,
      measured: describe(of(command), 3, ' s'),
      reference: `bare BullMQ ${bare === 'add' ? 'add' : 'getJobCounts'}: ${describe(of(bare), 3, ' s')}`,
      ratio: median(differences),
      ratioDigits: 3,
      goal: atMost(0.15),
    });
    if (cpuOf(command).length > 0 && cpuOf(command).length === cpuOf(bare).length) {
      rows.push({
        scenario: '6 startup',
        figure: `diagnostic: ${command} CPU time − bare script's (s)`,
        measured: describe(cpuOf(command), 3, ' s'),
        reference: `bare script: ${describe(cpuOf(bare), 3, ' s')}`,
        ratio: median(cpuOf(command).map((s, i) => s - cpuOf(bare)[i]!)),
        ratioDigits: 3,
      });
    }
    notes.push(
      `${command}: ${format(median(of(command).map((s, i) => s / of(bare)[i]!)), 2)} × the bare script, ` +
        `${format(median(of(command)) - median(of('node')), 3)} s over \`node -e 0\` ` +
        `(${describe(of('node'), 3, ' s')}); the bare script ${format(median(of(bare)) - median(of('node')), 3)} s over it.`,
    );
  }
  return { rows, notes };
}
