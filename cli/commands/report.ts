import { reportRows } from '../../producer/report/rows.ts';
import { loadReportConfig, parseDurationMs } from '../../shared/config.ts';
import { SUMMARY_DAYS } from '../../shared/ledger/index.ts';
import { CliError, EXIT, type Register, writeLine } from '../context.ts';
import { withProducer, withReadOnlyProducer } from '../lib/common.ts';
import { parseChoice } from '../lib/filters.ts';
import { createReportWriter, REPORT_FORMATS } from '../lib/report-format.ts';

interface ReportFlags {
  stale?: string;
  failOnStale?: boolean;
  days: string;
  format?: string;
  rebuild?: boolean;
}

export const registerReport: Register = (program, io, setExitCode) => {
  program
    .command('report')
    .description(
      'one row per instance: last successful export and its age, last failure, runs in the period',
    )
    .option('--stale <duration>', 'list only instances with no successful export this recent (26h)')
    .option(
      '--fail-on-stale',
      `exit ${EXIT.stale} when an instance is stale (by --stale, else REPORT_STALE_AFTER)`,
    )
    .option(
      '--days <n>',
      `count runs over the last n days, today included (1-${SUMMARY_DAYS})`,
      '7',
    )
    .option('--format <format>', 'table, json, csv or md (table on a terminal, json otherwise)')
    .option('--rebuild', 'first rebuild the summaries from every outcome record retained (once)')
    .action(async (flags: ReportFlags) => {
      const staleAfterMs =
        flags.stale === undefined
          ? loadReportConfig(io.env).staleAfterMs
          : parseDurationMs(flags.stale);
      if (staleAfterMs === undefined) {
        throw new CliError(
          `--stale: "${flags.stale}" is not a duration such as 26h, 90m or 2d`,
          EXIT.badInput,
        );
      }
      const days = Number(flags.days);
      if (!/^\d+$/.test(flags.days) || days < 1 || days > SUMMARY_DAYS) {
        throw new CliError(
          `--days: "${flags.days}" is not a whole number of days from 1 to ${SUMMARY_DAYS}`,
          EXIT.badInput,
        );
      }
      const format =
        parseChoice('--format', flags.format, REPORT_FORMATS) ??
        (io.stdout.isTTY ? 'table' : 'json');
      // Only --rebuild writes (the summaries); a report alone changes nothing in Redis.
      const open = flags.rebuild ? withProducer : withReadOnlyProducer;
      await open(io, async (producer) => {
        if (flags.rebuild) {
          const read = await producer.ledger.rebuildSummaries();
          writeLine(io.stderr, `summaries rebuilt from ${read} outcome record(s)`);
        }
        // Ages are measured on Redis' clock, the one every record's host shares.
        const now = await producer.now();
        const writer = createReportWriter(format, io.stdout);
        let stale = 0;
        for await (const row of reportRows(producer.ledger, {
          now,
          staleAfterMs,
          staleOnly: flags.stale !== undefined,
          days,
        })) {
          writer.write(row);
          if (row.stale) stale += 1;
        }
        writer.end();
        if (flags.failOnStale && stale > 0) {
          writeLine(io.stderr, `${stale} stale instance(s)`);
          setExitCode(EXIT.stale);
        }
      });
    });
};
