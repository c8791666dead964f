/**
 * Child processes of a benchmark: the project's CLI (from source or from `dist/`) and the
 * references written in `bench/`, each with `bench/probe.ts` preloaded, its output in a log
 * file under `bench/out/`, and optionally a CPU profile.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerPid, unregisterPid } from './cleanup.ts';
import type { ProbeSample } from './probe.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const JS_DIR = join(ROOT, 'bench/out/js');

/**
 * A script of `bench/` as plain JavaScript, its types stripped once into `bench/out/js/`: a child
 * loading TypeScript pays for the type stripper at start (~0.3 s and ~15 MiB on 2 cores), which
 * would count against the references and inflate every child's memory. Only for files whose
 * imports are packages and `node:` modules.
 */
export function plainJs(tsPath: string): string {
  mkdirSync(JS_DIR, { recursive: true });
  const out = join(JS_DIR, basename(tsPath).replace(/\.ts$/, '.mjs'));
  writeFileSync(out, stripTypeScriptTypes(readFileSync(tsPath, 'utf8')));
  return out;
}

let probe: string | undefined;

/**
 * How children run the CLI: `source` (`cli/run.ts`, types stripped at start), `dist` (the
 * build), or the path of another checkout's `cli/run.ts` (to measure a change A/B).
 */
export type CliBuild = 'source' | 'dist' | (string & {});

export function cliScript(build: CliBuild): string {
  const script =
    build === 'dist'
      ? join(ROOT, 'dist/cli/run.js')
      : build === 'source'
        ? join(ROOT, 'cli/run.ts')
        : resolve(build);
  if (!existsSync(script)) throw new Error(`${script} is missing (npm run build?)`);
  return script;
}

/** A script in `bench/`, run as a child (as plain JavaScript). */
export function benchScript(name: string): string {
  return plainJs(join(ROOT, 'bench', name));
}

export interface SpawnOptions {
  /** Names the log, probe and profile files. */
  name: string;
  script: string;
  args?: string[];
  env: Record<string, string>;
  /** Directory for the log and probe files. */
  outDir: string;
  /** Writes a `.cpuprofile` into this directory on exit. */
  profileDir?: string | undefined;
  /** Runs with `--expose-gc`, so memory samples follow a full GC. */
  exposeGc?: boolean;
}

export interface BenchChild {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the log holds `text`; rejects if the child exits first or after timeoutMs. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  /** A memory sample from the child (after a GC with exposeGc). */
  sample(): Promise<ProbeSample>;
  /** The sample the child wrote as it exited. */
  exitSample(): ProbeSample | undefined;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit sample. */
  stop(graceMs?: number): Promise<ProbeSample | undefined>;
}

export function spawnChild(options: SpawnOptions): BenchChild {
  mkdirSync(options.outDir, { recursive: true });
  const logPath = join(options.outDir, `${options.name}.log`);
  const probePath = join(options.outDir, `${options.name}.probe.jsonl`);
  probe ??= pathToFileURL(benchScript('probe.ts')).href;
  const nodeArgs = ['--import', probe];
  if (options.exposeGc) nodeArgs.push('--expose-gc');
  if (options.profileDir) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    nodeArgs.push(`--cpu-prof-name=${options.name}.cpuprofile`);
  }
  writeFileSync(probePath, '');
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...nodeArgs, options.script, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env, BENCH_PROBE_FILE: probePath },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  registerPid(child.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      unregisterPid(child.pid);
      resolve({ code, signal });
    }),
  );
  const samples = (): ProbeSample[] =>
    existsSync(probePath)
      ? readFileSync(probePath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as ProbeSample)
      : [];
  const running = () => child.exitCode === null && child.signalCode === null;

  return {
    name: options.name,
    child,
    logPath,
    exited,
    async waitForLog(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!readFileSync(logPath, 'utf8').includes(text)) {
        if (!running() || Date.now() > deadline) {
          child.kill('SIGKILL');
          const tail = readFileSync(logPath, 'utf8').slice(-2000);
          throw new Error(`${options.name} did not log "${text}":\n${tail}`);
        }
        await pause(25);
      }
    },
    async sample() {
      const before = samples().length;
      child.kill('SIGUSR2');
      const deadline = Date.now() + 15_000;
      for (;;) {
        const all = samples();
        if (all.length > before) return all[all.length - 1]!;
        if (!running() || Date.now() > deadline) throw new Error(`${options.name}: no sample`);
        await pause(20);
      }
    },
    exitSample: () => samples().find((sample) => sample.kind === 'exit'),
    async stop(graceMs = 15_000) {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return samples().find((sample) => sample.kind === 'exit');
    },
  };
}

/** Runs a child to its end; rejects on a non-zero exit with the log's tail. */
export async function runToEnd(options: SpawnOptions): Promise<BenchChild> {
  const child = spawnChild(options);
  const { code, signal } = await child.exited;
  if (code !== 0) {
    const tail = readFileSync(child.logPath, 'utf8').slice(-2000);
    throw new Error(`${options.name} exited with ${code ?? signal}:\n${tail}`);
  }
  return child;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
