/**
 * `bulk FILE`: two streaming passes over the file. The first validates every row and lists
 * every bad one; only if none is bad (or with --skip-invalid) does the second enqueue, in
 * chunks. Memory stays flat: rows are never all held at once.
 */
import { SingleBar } from 'cli-progress';
import { CliError, type CliIo, EXIT, writeLine } from '../../cli/context.ts';
import type { Register } from '../../cli/main.ts';
import type { ExportRequest } from '../../shared/contract.ts';
import { BulkFileError } from '../bulk/errors.ts';
import { type BulkFormat, BulkFormatError, detectFormat } from '../bulk/format.ts';
import { boundHeapGrowth } from '../bulk/heap-bounds.ts';
import { readBulk } from '../bulk/read.ts';
import { openBulkSource } from '../bulk/source.ts';
import type { ExportProducer } from '../producer.ts';
import { withProducer } from './common.ts';

interface BulkFlags {
  format?: string;
  skipInvalid?: boolean;
  dryRun?: boolean;
  force?: boolean;
  chunk: string;
  json?: boolean;
}

export interface BulkSummary {
  read: number;
  valid: number;
  invalid: number;
  added: number;
  duplicates: number;
}

export const registerBulk: Register = (program, io, setExitCode) => {
  program
    .command('bulk')
    .description('enqueue every export in a CSV, JSON array or NDJSON file (- for stdin)')
    .argument('<file>', 'path, or - for standard input')
    .option('--format <format>', 'csv, json or ndjson (default: by extension)')
    .option('--skip-invalid', 'enqueue the valid rows even if some are invalid')
    .option('--dry-run', 'validate only, enqueue nothing')
    .option('--force', 'export again even exports that are queued or recently finished')
    .option('--chunk <rows>', 'rows per enqueue round trip', '1000')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, flags: BulkFlags) => {
      let format: BulkFormat;
      try {
        format = detectFormat(file, flags.format);
      } catch (error) {
        explainBulkError(error);
      }
      const chunk = Number(flags.chunk);
      if (!Number.isInteger(chunk) || chunk < 1 || chunk > 10_000) {
        throw new CliError(
          `--chunk: "${flags.chunk}" must be an integer from 1 to 10000`,
          EXIT.badInput,
        );
      }
      const source = await openBulkSource(file, io.stdin).catch(explainBulkError);
      // A small heap at any input size (producer/bulk/heap-bounds.ts).
      const heap = boundHeapGrowth();
      const summary: BulkSummary = { read: 0, valid: 0, invalid: 0, added: 0, duplicates: 0 };
      try {
        // A file error here (the structure of the input is broken) stops the command before
        // anything is enqueued, even with --skip-invalid: explainBulkError says so.
        for await (const row of readBulk(source.open(), format)) {
          summary.read++;
          if (row.ok) {
            summary.valid++;
            continue;
          }
          summary.invalid++;
          for (const issue of row.issues) {
            writeLine(
              io.stderr,
              `${source.name}:${row.line}: ${row.item ? `item ${row.item}: ` : ''}${issue.field ? `${issue.field}: ` : ''}${issue.message}`,
            );
          }
        }
        const refuse = summary.invalid > 0 && !flags.skipInvalid;
        if (!flags.dryRun && !refuse && summary.valid > 0) {
          await withProducer(io, (producer) =>
            enqueueRows(producer, source.open(), format, chunk, flags.force ?? false, summary, io),
          );
        }
        report(io, summary, flags, refuse);
        if (refuse) setExitCode(EXIT.badInput);
      } catch (error) {
        explainBulkError(error, source.name, summary.added + summary.duplicates === 0);
      } finally {
        heap.release();
        await source.dispose();
      }
    });
};

/**
 * File-level problems (encoding, header, structure) stop the command with exit code 2. They are
 * found by the validation pass, before anything is enqueued (`nothingEnqueued`).
 */
function explainBulkError(error: unknown, name?: string, nothingEnqueued = true): never {
  if (error instanceof BulkFileError) {
    const what = nothingEnqueued ? '; the file was refused, nothing was enqueued' : '';
    throw new CliError(`${name ?? 'input'}:${error.line}: ${error.reason}${what}`, EXIT.badInput);
  }
  if (error instanceof BulkFormatError) throw new CliError(error.message, EXIT.badInput);
  throw error;
}

async function enqueueRows(
  producer: ExportProducer,
  input: AsyncIterable<Buffer>,
  format: BulkFormat,
  chunkSize: number,
  force: boolean,
  summary: BulkSummary,
  io: CliIo,
): Promise<void> {
  const bar = io.stderr.isTTY
    ? new SingleBar({
        stream: io.stderr,
        format: 'enqueue [{bar}] {value}/{total} rows {eta_formatted}',
      })
    : undefined;
  bar?.start(summary.valid, 0);
  let chunk: ExportRequest[] = [];
  const flush = async (requests: ExportRequest[]) => {
    const results = await producer.enqueueValid(requests, { force });
    for (const result of results) {
      if (result.added) summary.added++;
      else summary.duplicates++;
    }
    bar?.increment(requests.length);
  };
  // One chunk goes to Redis while the next is read and validated, so the round trips overlap
  // the parsing; chunks still reach Redis one after the other, in file order.
  let sending: Promise<void> = Promise.resolve();
  try {
    for await (const row of readBulk(input, format)) {
      if (!row.ok) continue;
      chunk.push(row.request);
      if (chunk.length >= chunkSize) {
        await sending;
        sending = flush(chunk);
        sending.catch(() => {}); // awaited before the next chunk or at the end
        chunk = [];
      }
    }
    await sending;
    if (chunk.length > 0) await flush(chunk);
  } finally {
    await sending.catch(() => {});
    bar?.stop();
  }
}

function report(io: CliIo, summary: BulkSummary, flags: BulkFlags, refused: boolean): void {
  if (flags.json) {
    writeLine(io.stdout, JSON.stringify({ ...summary, dryRun: flags.dryRun ?? false, refused }));
    return;
  }
  const parts = [
    `read ${summary.read}`,
    `added ${summary.added}`,
    `duplicates ${summary.duplicates}`,
    `invalid ${summary.invalid}`,
  ];
  writeLine(io.stdout, parts.join(', '));
  if (refused) {
    writeLine(
      io.stderr,
      `nothing enqueued: ${summary.invalid} invalid row(s); fix them or pass --skip-invalid`,
    );
  } else if (flags.dryRun) {
    writeLine(io.stderr, `dry run: ${summary.valid} valid row(s) would be enqueued`);
  }
}
