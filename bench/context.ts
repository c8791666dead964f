/** What the runner hands every scenario, and what a scenario hands back. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CliBuild } from './processes.ts';
import type { ResultRow } from './stats.ts';

export interface BenchOptions {
  /** Small sizes and one repetition: checks that every scenario runs, in a few minutes. */
  quick: boolean;
  /** Repetitions, overriding each scenario's default. */
  reps: number | undefined;
  /** How the project's CLI runs in child processes. */
  cli: CliBuild;
  /** Writes a `.cpuprofile` of every child process under `<outDir>/profiles/`. */
  profile: boolean;
  /** Logs, probe samples, generated files and profiles of this run. */
  outDir: string;
}

export class BenchContext {
  readonly options: BenchOptions;

  constructor(options: BenchOptions) {
    this.options = options;
  }

  get quick(): boolean {
    return this.options.quick;
  }

  /** Repetitions: `--reps`, else the scenario's default for a full or a quick run. */
  reps(full: number, quick = 1): number {
    return this.options.reps ?? (this.options.quick ? quick : full);
  }

  /** A directory of this run for `scenario`. */
  dir(scenario: string): string {
    const dir = join(this.options.outDir, scenario);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Where child processes of `scenario` write CPU profiles, when `--profile` is on. */
  profileDir(scenario: string): string | undefined {
    return this.options.profile ? join(this.options.outDir, 'profiles', scenario) : undefined;
  }

  log(message: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  }
}

export interface ScenarioResult {
  rows: ResultRow[];
  /** What limits each figure: counters and measured causes, printed under the table. */
  notes: string[];
}

export interface Scenario {
  /** For `--only`. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
