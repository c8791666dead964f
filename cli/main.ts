/**
 * `ncp-cache-export`: one binary for the worker and every producer command.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/config.ts';
import { ContractError } from '../shared/contract-core.ts';
import { endQuietlyOnClosedPipe } from './closed-pipe.ts';
import { CliError, type CliIo, EXIT, type Register, writeLine } from './context.ts';
import { refuseRepeatedOptions } from './repeated-options.ts';
import { packageVersion } from './version.ts';

const LONG_RUNNING = new Set(['worker', 'serve']);

/**
 * Every command, in the order `--help` lists them, and where it is defined. A run loads only
 * the module of the command it names (every one for `--help` or a name that is none): a
 * command never pays for the modules of the others.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  worker: async () => (await import('./commands/worker.ts')).registerWorker,
  enqueue: async () => (await import('./commands/enqueue.ts')).registerEnqueue,
  bulk: async () => (await import('./commands/bulk.ts')).registerBulk,
  status: async () => (await import('./commands/status.ts')).registerStatus,
  results: async () => (await import('./commands/results.ts')).registerResults,
  report: async () => (await import('./commands/report.ts')).registerReport,
  verify: async () => (await import('./commands/verify.ts')).registerVerify,
  'landing-check': async () => (await import('./commands/verify.ts')).registerLandingCheck,
  retry: async () => (await import('./commands/retry.ts')).registerRetry,
  'resume-auth': async () => (await import('./commands/resume-auth.ts')).registerResumeAuth,
  discover: async () => (await import('./commands/discover.ts')).registerDiscover,
  schedule: async () => (await import('./commands/schedule.ts')).registerSchedule,
  serve: async () => (await import('./commands/serve.ts')).registerServe,
};

/** The commands a run must know: the one `argv` names, or all of them. */
function commandsFor(argv: readonly string[]): (() => Promise<Register>)[] {
  // The program's own options (--help, --version) take no value: the first word is the command.
  const named = argv.find((arg) => !arg.startsWith('-'));
  const one = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined;
  return one ? [one] : Object.values(COMMANDS);
}

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
  for (const register of await Promise.all(commandsFor(argv).map((load) => load()))) {
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
