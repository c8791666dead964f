import type { Command } from 'commander';
/** What every command gets: its streams and environment, so tests run commands in-process. */
import type { Env } from '../shared/config.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: Env;
  /** Where SIGINT and SIGTERM are heard. @defaultValue process */
  signals?: NodeJS.EventEmitter;
}

/** An error the user can act on: printed as is, without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Exit codes: 0 success, 1 failure at run time, 2 bad input (usage, config, contract), 3 an
 * instance is stale (`report --fail-on-stale`), 130 interrupted (Ctrl-C, as shells report a
 * SIGINT).
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, stale: 3, interrupted: 130 } as const;

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/** Adds one command to the program; `setExitCode` raises the exit code the run ends with. */
export type Register = (program: Command, io: CliIo, setExitCode: (code: number) => void) => void;
