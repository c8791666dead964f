/** Runs the CLI in-process with captured output, as a user at a shell (not a terminal) would. */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  stderr.setEncoding('utf8').on('data', (text: string) => {
    err += text;
  });
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([stdin]), env });
  return { code, stdout: out, stderr: err };
}

export interface StartedCli {
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once `stream` holds `text` (rejects if the command ends first). */
  waitFor(stream: 'stdout' | 'stderr', text: string): Promise<void>;
  /** The exit code. */
  done: Promise<number>;
}

/**
 * Starts the CLI in-process and lets the test watch its output as it comes, and signal it
 * through `signals` (SIGINT, as Ctrl-C would). `stderrIsTTY` makes stderr look like a terminal
 * (so `bulk` draws its progress bar).
 */
export function startCli(
  argv: string[],
  env: Record<string, string | undefined>,
  options: { signals?: NodeJS.EventEmitter; stderrIsTTY?: boolean } = {},
): StartedCli {
  const out = { stdout: '', stderr: '' };
  const waiters: (() => void)[] = [];
  const stream = (name: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.setEncoding('utf8').on('data', (text: string) => {
      out[name] += text;
      for (const wake of waiters.splice(0)) wake();
    });
    return s;
  };
  const stdout = stream('stdout');
  const stderr = Object.assign(
    stream('stderr'),
    options.stderrIsTTY ? { isTTY: true, columns: 120 } : {},
  );
  let ended = false;
  const done = main(argv, {
    stdout,
    stderr,
    stdin: Readable.from(['']),
    env,
    ...(options.signals ? { signals: options.signals } : {}),
  }).finally(() => {
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async waitFor(name, text) {
      while (!out[name].includes(text)) {
        if (ended)
          throw new Error(
            `the command ended without printing "${text}" on ${name}:\n${out.stderr}`,
          );
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    done,
  };
}
