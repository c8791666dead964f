/**
 * `verify`: looks in the buckets now for the exports NCP accepted in a time range or filter,
 * and says which landed, which did not, and which were never checked. `landing-check <jobId>`:
 * what the landing check of one export looks for and what it finds, to set EXPORT_LANDING_KEY
 * against a real bucket.
 */

import { loadLandingConfig } from '../../shared/config.ts';
import type { Outcome } from '../../shared/contract.ts';
import { explainLanding, type Verification, verifyOutcomes } from '../../shared/landing/verify.ts';
import { CliError, EXIT, type Register, writeLine } from '../context.ts';
import { withReadOnlyProducer } from '../lib/common.ts';
import { parseChoice, parseSince } from '../lib/filters.ts';

interface VerifyFlags {
  since?: string;
  until?: string;
  instance?: string;
  bucket?: string;
  state?: string;
  format?: string;
}

const VERIFY_STATES = ['landed', 'not-landed', 'not-checked'] as const;

export const registerVerify: Register = (program, io, setExitCode) => {
  program
    .command('verify')
    .description(
      'look in the buckets for accepted exports: which landed, which did not, which were never checked (table on a terminal, JSON lines otherwise; exit 1 if any did not land)',
    )
    .option('--since <iso>', 'only exports that finished at or after this time')
    .option('--until <iso>', 'only exports that finished before this time')
    .option('--instance <instanceNo>', 'only this instance')
    .option('--bucket <bucketName>', 'only this bucket')
    .option('--state <state>', 'print only landed, not-landed or not-checked')
    .option('--format <format>', 'jsonl or table')
    .action(async (flags: VerifyFlags) => {
      const since = parseSince(flags.since);
      const until = parseUntil(flags.until);
      const only = parseChoice('--state', flags.state, VERIFY_STATES);
      const format =
        parseChoice('--format', flags.format, ['jsonl', 'table'] as const) ??
        (io.stdout.isTTY ? 'table' : 'jsonl');
      const config = loadLandingConfig(io.env);
      const outcomes: Outcome[] = [];
      await withReadOnlyProducer(io, async ({ ledger }) => {
        for await (const outcome of ledger.exportOutcomes({ status: 'succeeded', since })) {
          const request = outcome.request as Record<string, unknown>;
          if (until && Date.parse(outcome.finishedAt) >= until.getTime()) continue;
          if (flags.instance && request.instanceNo !== flags.instance) continue;
          if (flags.bucket && request.bucketName !== flags.bucket) continue;
          outcomes.push(outcome);
        }
      });
      if (!config) {
        writeLine(
          io.stderr,
          'verify: no Object Storage configured (OBJECT_STORAGE_URL, or NCP_API_URL/NCP_SITE of an NCP site): nothing can be looked at',
        );
      }
      const rows = await verifyOutcomes(outcomes, { config });
      const shown = only ? rows.filter((row) => row.state === only) : rows;
      if (format === 'table') writeTable(io.stdout, shown);
      else for (const row of shown) writeLine(io.stdout, JSON.stringify(row));
      const counts = { landed: 0, 'not-landed': 0, 'not-checked': 0 };
      for (const row of rows) counts[row.state]++;
      writeLine(
        io.stderr,
        `verify: ${rows.length} exports: ${counts.landed} landed, ${counts['not-landed']} not landed, ${counts['not-checked']} not checked`,
      );
      if (counts['not-landed'] > 0) setExitCode(EXIT.failure);
    });
};

export const registerLandingCheck: Register = (program, io) => {
  program
    .command('landing-check')
    .description('show what the landing check of one export looks for, and what is in the bucket')
    .argument('<jobId>', 'the export job id (as results prints it)')
    .action(async (jobId: string) => {
      const config = loadLandingConfig(io.env);
      if (!config) {
        throw new CliError(
          'landing checks are off: set OBJECT_STORAGE_URL, or NCP_API_URL/NCP_SITE of an NCP site (EXPORT_LANDING_CHECK)',
          EXIT.badInput,
        );
      }
      const outcome = await withReadOnlyProducer(io, ({ ledger }) => ledger.exportOutcome(jobId));
      if (!outcome) throw new CliError(`no export outcome with job id ${jobId}`, EXIT.badInput);
      const explained = await explainLanding(outcome, config);
      if (!io.stdout.isTTY) {
        writeLine(io.stdout, JSON.stringify(explained));
        return;
      }
      const lines = [
        `export        ${explained.jobId}`,
        `endpoint      ${explained.endpoint ?? '(none known)'}`,
        `key template  ${explained.keyTemplate}`,
        `looks for     ${explained.looked}`,
        `lists         prefix "${explained.listed.prefix}"${explained.listed.marker === undefined ? '' : ` after "${explained.listed.marker}" until "${explained.listed.until}"`}`,
        `recorded      ${explained.recorded ? JSON.stringify(explained.recorded) : '(no landing field)'}`,
        explained.error ? `error         ${explained.error}` : '',
        `objects seen  ${explained.objectsListed}; holding the file name:`,
        ...explained.holdingFileName.map(
          (o) => `  ${o.key}  ${o.size} bytes  ${o.lastModified ?? ''}`,
        ),
        `match         ${explained.match ? `${explained.match.key} (${explained.match.size} bytes)` : 'none'}`,
      ];
      for (const line of lines) if (line) writeLine(io.stdout, line);
    });
};

const COLUMNS: { title: string; width: number; value: (row: Verification) => string }[] = [
  { title: 'FINISHED', width: 20, value: (r) => r.finishedAt.slice(0, 19).replace('T', ' ') },
  { title: 'STATE', width: 12, value: (r) => r.state },
  { title: 'RECORDED', width: 12, value: (r) => r.recorded },
  { title: 'INSTANCE', width: 12, value: (r) => r.instanceNo },
  { title: 'BUCKET', width: 20, value: (r) => r.bucketName },
  { title: 'SIZE', width: 12, value: (r) => (r.size === undefined ? '-' : String(r.size)) },
  { title: 'KEY / NOTE', width: 0, value: (r) => r.key ?? r.note ?? r.looked ?? '' },
];

function writeTable(stream: NodeJS.WritableStream, rows: readonly Verification[]): void {
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (COLUMNS[i]!.width ? cell.padEnd(COLUMNS[i]!.width) : cell))
      .join(' ')
      .trimEnd();
  writeLine(stream, line(COLUMNS.map((c) => c.title)));
  for (const row of rows) writeLine(stream, line(COLUMNS.map((c) => c.value(row))));
}

function parseUntil(text: string | undefined): Date | undefined {
  try {
    return parseSince(text);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(error.message.replace('--since', '--until'), EXIT.badInput);
  }
}
