/**
 * `bulk FILE`: the command's options. The work (two streaming passes over the file, see
 * bulk-run.ts) is loaded when the command runs, so other commands never load the file readers.
 */

import { type BulkFormat, BulkFormatError, detectFormat } from '../../producer/bulk/format.ts';
import { CliError, EXIT, type Register } from '../context.ts';
import type { BulkFlags } from '../lib/bulk-run.ts';
import { parseInteger } from '../lib/filters.ts';

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
        if (error instanceof BulkFormatError) throw new CliError(error.message, EXIT.badInput);
        throw error;
      }
      const chunk = parseInteger('--chunk', flags.chunk, 1, 10_000);
      const { runBulk } = await import('../lib/bulk-run.ts');
      setExitCode(await runBulk(io, { file, format, chunk, flags }));
    });
};
