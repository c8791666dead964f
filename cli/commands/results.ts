import { LANDING_STATES } from '../../shared/contract-core.ts';
import type { Register } from '../context.ts';
import { withReadOnlyProducer } from '../lib/common.ts';
import { parseChoice, parseKinds, parseSince } from '../lib/filters.ts';
import { createOutcomeWriter, OUTCOME_FORMATS } from '../lib/outcome-format.ts';

interface ResultsFlags {
  status?: string;
  since?: string;
  kind?: string;
  format?: string;
  follow?: boolean;
  landing?: string;
}

export const registerResults: Register = (program, io) => {
  program
    .command('results')
    .description('print outcome records (table on a terminal, JSON lines otherwise)')
    .option('--status <status>', 'succeeded or failed')
    .option('--since <iso>', 'only exports that finished at or after this time')
    .option('--kind <kinds>', 'only failures of these error kinds, comma-separated')
    .option(
      '--landing <state>',
      'only exports whose landing is pending, landed, not-landed or not-checked',
    )
    .option('--format <format>', 'jsonl, csv or table')
    .option('--follow', 'keep printing outcomes as they are written, until Ctrl-C')
    .action(async (flags: ResultsFlags) => {
      const filter = {
        status: parseChoice('--status', flags.status, ['succeeded', 'failed'] as const),
        since: parseSince(flags.since),
        kinds: parseKinds(flags.kind),
        landing: parseChoice('--landing', flags.landing, LANDING_STATES),
      };
      const format =
        parseChoice('--format', flags.format, OUTCOME_FORMATS) ??
        (io.stdout.isTTY ? 'table' : 'jsonl');
      await withReadOnlyProducer(io, async (producer) => {
        const { ledger } = producer;
        const writer = createOutcomeWriter(format, io.stdout);
        const from = flags.follow ? await ledger.position() : '';
        const shown = new Set<string>();
        for await (const outcome of ledger.exportOutcomes(filter)) {
          writer.write(outcome);
          if (flags.follow) shown.add(outcome.jobId);
        }
        if (!flags.follow) return;
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        (io.signals ?? process).once('SIGINT', onSignal);
        (io.signals ?? process).once('SIGTERM', onSignal);
        try {
          for await (const outcome of ledger.followExportOutcomes(
            filter,
            stop.signal,
            from,
            shown,
          )) {
            writer.write(outcome);
          }
        } finally {
          (io.signals ?? process).off('SIGINT', onSignal);
          (io.signals ?? process).off('SIGTERM', onSignal);
        }
      });
    });
};
