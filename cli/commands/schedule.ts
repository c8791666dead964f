/**
 * `ncp-cache-export schedule add|list|remove`: discoveries on a cron, kept in Redis as BullMQ
 * job schedulers, run by whichever worker takes each tick (once per tick).
 */
import { Command } from 'commander';
import { openDiscoveryQueue, readDiscoveryOutcomes } from '../../producer/discovery.ts';
import {
  listSchedules,
  removeSchedule,
  ScheduleError,
  upsertSchedule,
} from '../../producer/schedules.ts';
import { loadJobPolicy } from '../../shared/config.ts';
import { CliError, EXIT, type Register, writeLine } from '../context.ts';
import { withProducer } from '../lib/common.ts';
import {
  addDiscoverOptions,
  type DiscoverFlags,
  discoverArgs,
  discoveryRequestFrom,
} from '../lib/discover-options.ts';
import { summary, table } from '../lib/discovery-table.ts';

interface AddFlags {
  cron: string;
  tz?: string;
}

export const registerSchedule: Register = (program, io) => {
  const schedule = program
    .command('schedule')
    .description('run discoveries on a cron (BullMQ job schedulers, kept in Redis)');

  schedule
    .command('add')
    .description('add or replace a schedule: `schedule add NAME --cron "0 3 * * *" -- --api …`')
    .argument('<name>', 'schedule name: letters, digits, ".", "_", "-"')
    .argument('<discover-options...>', 'after --: the options of `discover`')
    .requiredOption('--cron <pattern>', 'cron pattern: 5 fields, or 6 with seconds first')
    .option('--tz <zone>', 'time zone of the pattern, e.g. Asia/Seoul (default: the workers’)')
    .action(async (name: string, discoverOptions: string[], flags: AddFlags) => {
      const request = discoveryRequestFrom(parseDiscoverOptions(discoverOptions, io), io.env);
      const policy = loadJobPolicy(io.env);
      await withDiscoveryQueue(io, async (queue) => {
        const { existed, next } = await upsertSchedule(queue, policy, {
          name,
          cron: flags.cron,
          tz: flags.tz,
          request,
        }).catch(asCliError);
        const when =
          next === undefined ? 'no next run' : `next run ${new Date(next).toISOString()}`;
        writeLine(
          io.stdout,
          `schedule ${name} ${existed ? 'replaced' : 'added'}: "${flags.cron}"${flags.tz ? ` (${flags.tz})` : ''}, ${when}`,
        );
      });
    });

  schedule
    .command('list')
    .description('list the schedules, soonest first')
    .option('--json', 'print one JSON object per schedule')
    .action(async (flags: { json?: boolean }) => {
      await withDiscoveryQueue(io, async (queue) => {
        const schedules = await listSchedules(queue);
        if (flags.json) {
          for (const s of schedules) writeLine(io.stdout, JSON.stringify(s));
          return;
        }
        if (schedules.length === 0) {
          writeLine(io.stderr, 'no schedules');
          return;
        }
        const rows = schedules.map((s) => [
          s.name,
          s.cron,
          s.tz ?? '-',
          s.next === undefined
            ? '-'
            : new Date(s.next).toISOString().slice(0, 19).replace('T', ' '),
          s.request ? discoverArgs(s.request) : '(not a discovery)',
        ]);
        for (const line of table(['NAME', 'CRON', 'TZ', 'NEXT RUN (UTC)', 'DISCOVER'], rows)) {
          writeLine(io.stdout, line);
        }
      });
    });

  schedule
    .command('runs')
    .description('the discoveries a schedule ran (their outcomes), oldest first')
    .argument('<name>', 'schedule name')
    .option('--json', 'print each discovery outcome as JSON')
    .action(async (name: string, flags: { json?: boolean }) => {
      await withProducer(io, async (producer) => {
        const runs = await readDiscoveryOutcomes(producer, (o) => runOf(o) === name);
        if (runs.length === 0) writeLine(io.stderr, `no runs of schedule ${name} retained`);
        for (const run of runs)
          writeLine(io.stdout, flags.json ? JSON.stringify(run) : summary(run));
      });
    });

  schedule
    .command('remove')
    .description('remove a schedule; the discoveries it already ran keep their outcomes')
    .argument('<name>', 'schedule name')
    .action(async (name: string) => {
      await withDiscoveryQueue(io, async (queue) => {
        if (!(await removeSchedule(queue, name))) {
          throw new CliError(`no schedule named ${name}`);
        }
        writeLine(io.stdout, `schedule ${name} removed`);
      });
    });
};

/** Parses what follows `--` with the options of `discover`. */
function parseDiscoverOptions(args: readonly string[], io: Parameters<Register>[1]): DiscoverFlags {
  const parser = addDiscoverOptions(new Command('schedule add NAME --cron PATTERN --'))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  parser.parse([...args], { from: 'user' });
  if (parser.args.length > 0) {
    throw new CliError(`unexpected argument(s) after --: ${parser.args.join(' ')}`, EXIT.badInput);
  }
  return parser.opts<DiscoverFlags>();
}

function withDiscoveryQueue(
  io: Parameters<Register>[1],
  work: (queue: ReturnType<typeof openDiscoveryQueue>) => Promise<void>,
): Promise<void> {
  return withProducer(io, async (producer) => {
    const queue = openDiscoveryQueue(producer);
    try {
      await work(queue);
    } finally {
      await queue.close();
    }
  });
}

function asCliError(error: unknown): never {
  if (error instanceof ScheduleError) throw new CliError(error.message, EXIT.badInput);
  throw error;
}

/** The schedule a discovery outcome came from, if any. */
function runOf(outcome: { request: unknown }): string | undefined {
  const request = outcome.request as { schedule?: unknown };
  return typeof request.schedule === 'string' ? request.schedule : undefined;
}
