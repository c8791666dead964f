/**
 * Worker processes for end-to-end tests: the real CLI (`cli/run.ts worker`) run from source
 * by Node, with its environment, its JSON log lines captured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RUN_MARK } from './leftovers.ts';

const RUN = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Parsed log lines so far. */
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [RUN, 'worker'], {
    // The run's mark, so a worker left running is found at the end (leftovers.ts).
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      [RUN_MARK]: process.env[RUN_MARK] ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buffer = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    buffer += text;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = Date.now();
  while (!logs.some((line) => line.msg === 'worker started')) {
    // Type stripping and module loading take a few seconds per process; three starting at once
    // on two busy cores took more than 45 s.
    if (child.exitCode !== null || Date.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(
        `worker did not start (exit ${child.exitCode}):\n${stderr}\n${JSON.stringify(logs)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { child, logs, exited };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopWorkerProcess(worker: WorkerProcess, graceMs = 10_000) {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  const result = await worker.exited;
  clearTimeout(timer);
  return result;
}
