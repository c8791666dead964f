/**
 * The work of `bulk FILE`: two streaming passes over the file. The first validates every row
 * and lists every bad one; only if none is bad (or with --skip-invalid) does the second enqueue,
 * in chunks. Memory stays flat: rows are never all held at once.
 *
 * Ctrl-C stops after the chunk being sent, prints what was enqueued and exits 130; losing Redis
 * says how many rows made it. Either way, running the same bulk again is safe: rows already
 * queued are skipped as duplicates.
 */
import type { SingleBar } from 'cli-progress';
import { BulkFileError } from '../../producer/bulk/errors.ts';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { boundHeapGrowth } from '../../producer/bulk/heap-bounds.ts';
import { readBulk } from '../../producer/bulk/read.ts';
import { openBulkSource } from '../../producer/bulk/source.ts';
import type { ExportProducer } from '../../producer/producer.ts';
import type { ExportRequest } from '../../shared/contract.ts';
import { CliError, type CliIo, EXIT, writeLine } from '../context.ts';
import { withProducer } from './common.ts';

/** The options of `bulk`, as commander hands them over. */
export interface BulkFlags {
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
  /** Exports whose last run had failed, added again as a new run. */
  reruns: number;
  duplicates: number;
}

export interface BulkJob {
  file: string;
  format: BulkFormat;
  chunk: number;
  flags: BulkFlags;
}

/** Runs the command; resolves with its exit code. */
export async function runBulk(io: CliIo, job: BulkJob): Promise<number> {
  const { flags } = job;
  const signals = io.signals ?? process;
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  const source = await openBulkSource(job.file, io.stdin).catch(explainBulkError);
  signals.on('SIGINT', onInterrupt);
  // A small heap at any input size (producer/bulk/heap-bounds.ts).
  const heap = boundHeapGrowth();
  const summary: BulkSummary = {
    read: 0,
    valid: 0,
    invalid: 0,
    added: 0,
    reruns: 0,
    duplicates: 0,
  };
  try {
    // A file error here (the structure of the input is broken) stops the command before
    // anything is enqueued, even with --skip-invalid: explainBulkError says so.
    for await (const row of readBulk(source.open(), job.format)) {
      if (interrupt.signal.aborted) break;
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
    if (interrupt.signal.aborted) {
      report(io, summary, flags, false);
      writeLine(io.stderr, 'interrupted while checking the file: nothing enqueued');
      return EXIT.interrupted;
    }
    const refuse = summary.invalid > 0 && !flags.skipInvalid;
    if (!flags.dryRun && !refuse && summary.valid > 0) {
      const progress = { inFlight: 0 };
      await withProducer(
        io,
        (producer) =>
          enqueueRows(producer, source.open(), job, summary, progress, io, interrupt.signal),
        () =>
          `${enqueuedSoFar(summary)}${progress.inFlight ? `, and the ${progress.inFlight} being sent may have been too` : ''}; ${rerunIsSafe(flags)}`,
        { traced: true },
      );
    }
    report(io, summary, flags, refuse);
    if (interrupt.signal.aborted) {
      writeLine(io.stderr, `interrupted: ${enqueuedSoFar(summary)}; ${rerunIsSafe(flags)}`);
      return EXIT.interrupted;
    }
    return refuse ? EXIT.badInput : EXIT.ok;
  } catch (error) {
    const nothingEnqueued = summary.added + summary.reruns + summary.duplicates === 0;
    explainBulkError(error, source.name, nothingEnqueued);
  } finally {
    signals.off('SIGINT', onInterrupt);
    heap.release();
    await source.dispose();
  }
}

function enqueuedSoFar(summary: BulkSummary): string {
  const done = summary.added + summary.reruns + summary.duplicates;
  return `${done} of ${summary.valid} valid rows were enqueued (added ${summary.added}, re-runs ${summary.reruns}, duplicates ${summary.duplicates})`;
}

function rerunIsSafe(flags: BulkFlags): string {
  return `running the same bulk again${flags.force ? ' without --force' : ''} is safe: rows already queued are skipped as duplicates`;
}

/**
 * File-level problems (encoding, header, structure) stop the command with exit code 2. They are
 * found by the validation pass, before anything is enqueued (`nothingEnqueued`).
 */
function explainBulkError(error: unknown, name?: string, nothingEnqueued = true): never {
  if (error instanceof BulkFileError) {
    const what = nothingEnqueued ? '; the file was refused, nothing was enqueued' : '';
    throw new CliError(`${name ?? 'input'}:${error.line}: ${error.reason}${what}`, EXIT.badInput);
  }
  throw error;
}

/** A progress bar on stderr when it is a terminal (cli-progress, loaded only then). */
async function progressBar(io: CliIo, total: number): Promise<SingleBar | undefined> {
  if (!io.stderr.isTTY) return undefined;
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    stream: io.stderr,
    format: 'enqueue [{bar}] {value}/{total} rows {eta_formatted}',
  });
  bar.start(total, 0);
  return bar;
}

async function enqueueRows(
  producer: ExportProducer,
  input: AsyncIterable<Buffer>,
  job: BulkJob,
  summary: BulkSummary,
  progress: { inFlight: number },
  io: CliIo,
  interrupt: AbortSignal,
): Promise<void> {
  const force = job.flags.force ?? false;
  const bar = await progressBar(io, summary.valid);
  let chunk: ExportRequest[] = [];
  const flush = async (requests: ExportRequest[]) => {
    progress.inFlight = requests.length;
    const results = await producer.enqueueValid(requests, { force, batch: job.chunk });
    progress.inFlight = 0;
    for (const result of results) {
      if (result.rerunOf) summary.reruns++;
      else if (result.added) summary.added++;
      else summary.duplicates++;
    }
    bar?.increment(requests.length);
  };
  // One chunk goes to Redis while the next is read and validated, so the round trips overlap
  // the parsing; chunks still reach Redis one after the other, in file order. Ctrl-C lets the
  // chunk being sent finish (its count is then exact) and sends no other.
  let sending: Promise<void> = Promise.resolve();
  try {
    for await (const row of readBulk(input, job.format)) {
      if (interrupt.aborted) break;
      if (!row.ok) continue;
      chunk.push(row.request);
      if (chunk.length >= job.chunk) {
        await sending;
        if (interrupt.aborted) break;
        sending = flush(chunk);
        sending.catch(() => {}); // awaited before the next chunk or at the end
        chunk = [];
      }
    }
    await sending;
    if (chunk.length > 0 && !interrupt.aborted) await flush(chunk);
  } finally {
    await sending.catch(() => {});
    // Stopping the bar ends its line and turns terminal line wrapping back on (ESC[?7h).
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
    `re-runs ${summary.reruns}`,
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
