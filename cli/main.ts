/**
 * `ncp-cache-export`: one binary for the worker and every producer command.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/config.ts';
import { ContractError } from '../shared/contract.ts';
import { endQuietlyOnClosedPipe } from './closed-pipe.ts';
import { registerBulk } from './commands/bulk.ts';
import { registerDiscover } from './commands/discover.ts';
import { registerEnqueue } from './commands/enqueue.ts';
import { registerReport } from './commands/report.ts';
import { registerResults } from './commands/results.ts';
import { registerResumeAuth } from './commands/resume-auth.ts';
import { registerRetry } from './commands/retry.ts';
import { registerSchedule } from './commands/schedule.ts';
import { registerServe } from './commands/serve.ts';
import { registerStatus } from './commands/status.ts';
import { registerLandingCheck, registerVerify } from './commands/verify.ts';
import { registerWorker } from './commands/worker.ts';
import { CliError, type CliIo, EXIT, writeLine } from './context.ts';
import { refuseRepeatedOptions } from './repeated-options.ts';
import { packageVersion } from './version.ts';

const LONG_RUNNING = new Set(['worker', 'serve']);

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command('ncp-cache-export')
    .description(
      'Export NCP Cloud DB for Cache backups to Object Storage through a rate-limited job queue.',
    )
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const result = { exitCode: EXIT.ok as number };
  const setExitCode = (code: number) => {
    result.exitCode = Math.max(result.exitCode, code);
  };
  for (const register of [
    registerWorker,
    registerEnqueue,
    registerBulk,
    registerStatus,
    registerResults,
    registerReport,
    registerVerify,
    registerLandingCheck,
    registerRetry,
    registerResumeAuth,
    registerDiscover,
    registerSchedule,
    registerServe,
  ]) {
    register(program, io, setExitCode);
  }
  refuseRepeatedOptions(program);
  // A closed pipe ends a printing command quietly. Not the long-running services: a worker
  // whose log reader went away fails (exit 1), so that its supervisor restarts it.
  program.hook('preAction', (_program, command) => {
    if (io.stdout !== process.stdout || LONG_RUNNING.has(command.name())) return;
    endQuietlyOnClosedPipe(process.stdout);
    endQuietlyOnClosedPipe(process.stderr);
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version output end here too, with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (error instanceof ConfigError) {
    writeLine(io.stderr, `ncp-cache-export: configuration error: ${error.message}`);
    return EXIT.badInput;
  }
  if (error instanceof ContractError) {
    writeLine(io.stderr, 'ncp-cache-export: invalid export request:');
    for (const issue of error.issues) writeLine(io.stderr, `  ${issue.field}: ${issue.message}`);
    return EXIT.badInput;
  }
  if (error instanceof CliError) {
    writeLine(io.stderr, `ncp-cache-export: ${error.message}`);
    return error.exitCode;
  }
  writeLine(io.stderr, `ncp-cache-export: ${(error as Error)?.message ?? String(error)}`);
  return EXIT.failure;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
