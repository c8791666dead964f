/** Runs the CLI as its own process (from source), as a user's shell would, and collects what it printed. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_SOURCE = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node [nodeArgs] cli/run.ts args` with `env` added to a minimal environment. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { node?: string; nodeArgs?: readonly string[]; script?: string } = {},
): Promise<ProcessRun> {
  const child = spawn(
    options.node ?? process.execPath,
    [...(options.nodeArgs ?? []), options.script ?? CLI_SOURCE, ...args],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
