/**
 * `npm run bench [-- options]`: runs the scenarios of issue #7 and prints one markdown table
 * (each figure with its reference, ratio and goal) and, per scenario, what limits each figure.
 * The output is also written to `bench/out/<time>/results.md`. Not part of `npm test`.
 *
 *   --only pipeline,rate,throttle,enqueue,soak,startup,gateway,report,landing   scenarios to run
 *                    (default: all)
 *   --quick          small sizes, one repetition: checks every scenario in a few minutes
 *   --reps N         repetitions of each measurement (default: per scenario, see docs)
 *   --cli dist       run the CLI from dist/ (default; `npm run build` first unless --no-build),
 *                    `source` (node cli/run.ts: type stripping at start, ~1 s and ~30 MiB more),
 *                    or the path of another checkout's cli/run.ts (to measure a change A/B)
 *   --profile        write a .cpuprofile of every child process, and summarize the top functions
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killChildrenOnExit } from './cleanup.ts';
import { BenchContext, type Scenario } from './context.ts';
import { enqueueScenario } from './enqueue.ts';
import { gatewayScenario } from './gateway.ts';
import { landingScenario } from './landing.ts';
import { pipelineScenario } from './pipeline.ts';
import { cliScript } from './processes.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { rateScenario } from './rate.ts';
import { reportScenario } from './report.ts';
import { soakScenario } from './soak.ts';
import { startupScenario } from './startup.ts';
import type { ResultRow } from './stats.ts';
import { resultTable } from './stats.ts';
import { throttleScenario } from './throttle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS: Scenario[] = [
  pipelineScenario,
  rateScenario,
  throttleScenario,
  enqueueScenario,
  soakScenario,
  startupScenario,
  gatewayScenario,
  reportScenario,
  landingScenario,
];

function options() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      cli: { type: 'string', default: 'dist' },
      build: { type: 'boolean', default: true },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const names = values.only?.split(',').map((name) => name.trim()) ?? SCENARIOS.map((s) => s.name);
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new Error(`--only: unknown scenario ${unknown.join(', ')}`);
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1 && reps <= 20)) {
    throw new Error('--reps must be an integer from 1 to 20');
  }
  cliScript(values.cli === 'dist' ? 'source' : values.cli);
  return {
    names,
    reps,
    cli: values.cli,
    build: values.build,
    quick: values.quick,
    profile: values.profile,
  };
}

const USAGE = `npm run bench -- [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--quick] [--reps N] [--cli dist|source|PATH] [--no-build] [--profile]`;

async function main(): Promise<void> {
  killChildrenOnExit();
  const opts = options();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, 'bench/out', stamp);
  mkdirSync(outDir, { recursive: true });
  if (opts.cli === 'dist' && opts.build) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const ctx = new BenchContext({ ...opts, outDir });
  const rows: ResultRow[] = [];
  const sections: string[] = [];
  const started = Date.now();
  for (const scenario of SCENARIOS.filter((s) => opts.names.includes(s.name))) {
    ctx.log(`${scenario.title}: starting`);
    const scenarioStart = Date.now();
    try {
      const result = await scenario.run(ctx);
      rows.push(...result.rows);
      const minutes = ((Date.now() - scenarioStart) / 60_000).toFixed(1);
      sections.push(
        `**${scenario.title}** (${minutes} min)\n\n${result.notes.map((n) => `- ${n}`).join('\n')}`,
      );
    } catch (error) {
      ctx.log(`${scenario.title} FAILED: ${(error as Error).stack ?? error}`);
      rows.push({ scenario: scenario.name, figure: 'FAILED', measured: (error as Error).message });
      process.exitCode = 1;
    }
    const profileDir = ctx.profileDir(scenario.name);
    if (profileDir) sections.push(summarizeProfiles(profileDir));
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' })
    .split(' ')
    .find((part) => part.startsWith('v='));
  const header = [
    `Command: \`${command}\` (CLI from ${opts.cli === 'source' ? 'source, cli/run.ts' : opts.cli === 'dist' ? 'dist/' : opts.cli})`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, redis-server ${redisVersion?.slice(2)}`,
    `Total: ${((Date.now() - started) / 60_000).toFixed(1)} min, ${new Date().toISOString()}`,
  ].join('  \n');
  const text = `${header}\n\n${resultTable(rows)}\n\n${sections.join('\n\n')}\n`;
  writeFileSync(join(outDir, 'results.md'), text);
  process.stdout.write(text);
  ctx.log(`written to ${join(outDir, 'results.md')}`);
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
