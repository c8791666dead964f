import { extname } from 'node:path';

/** The input formats `ncp-cache-export bulk` reads. */
export type BulkFormat = 'csv' | 'json' | 'ndjson';

/** The format cannot be told or is not supported: a usage error, reported before any reading. */
export class BulkFormatError extends Error {
  override readonly name = 'BulkFormatError';
  readonly code = 'ERR_BULK_FORMAT';
}

const BY_NAME: ReadonlyMap<string, BulkFormat> = new Map<string, BulkFormat>([
  ['csv', 'csv'],
  ['json', 'json'],
  ['ndjson', 'ndjson'],
  ['jsonl', 'ndjson'],
]);

const NAMES = 'csv, json or ndjson';

/**
 * The format of a bulk input: `explicit` (the `--format` option: csv, json, ndjson or its alias
 * jsonl, any case) when given, else the file's extension (.csv, .json, .ndjson, .jsonl).
 * Throws a {@link BulkFormatError} for stdin (`-`) without `--format`, for an unknown `--format`,
 * and for an extension that names no format.
 */
export function detectFormat(file: string, explicit?: string): BulkFormat {
  if (explicit !== undefined) {
    const format = BY_NAME.get(explicit.trim().toLowerCase());
    if (!format) throw new BulkFormatError(`unknown --format "${explicit}": use ${NAMES}`);
    return format;
  }
  if (file === '-') {
    throw new BulkFormatError(`reading from stdin (-) needs --format ${NAMES}`);
  }
  const format = BY_NAME.get(extname(file).slice(1).toLowerCase());
  if (!format) {
    throw new BulkFormatError(
      `cannot tell the format of "${file}" from its name: use a .csv, .json, .ndjson or .jsonl file, or pass --format ${NAMES}`,
    );
  }
  return format;
}
