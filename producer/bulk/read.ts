import { readCsv } from './csv.ts';
import { decodeUtf8 } from './decode.ts';
import type { BulkFormat } from './format.ts';
import { readJsonArray } from './json.ts';
import { readNdjson } from './ndjson.ts';
import type { BulkRow } from './row.ts';

export { BulkFileError } from './errors.ts';
export type { BulkRow } from './row.ts';

/** Options of {@link readBulk}. */
export interface ReadBulkOptions {
  /**
   * The most UTF-8 bytes one row may have (a CSV record, an NDJSON line, a JSON array element),
   * line end not counted. A longer row is a row error (in NDJSON, a file error); its text is
   * never held.
   * @defaultValue 65536 (64 KiB)
   */
  maxRowBytes?: number;
}

const DEFAULT_MAX_ROW_BYTES = 64 * 1024;

/**
 * Streams the export requests out of a bulk input, validating each with `parseExportRequest`.
 * Holds one chunk and one row at a time, never the whole input.
 *
 * - `csv`: a header row naming the columns, then one request per row.
 * - `json`: an array of request objects.
 * - `ndjson`: one request object per line.
 *
 * Problems of one row come out as rows with `ok: false`, naming the line the row starts on and
 * the fields (field `''` for the row as a whole), and reading goes on. Problems of the input as a
 * whole throw a `BulkFileError` with the line: invalid UTF-8 (any format); a missing or bad CSV
 * header; a CSV quote never closed; JSON that is not one well-formed array; an NDJSON line longer
 * than `maxRowBytes`. Those make the rest of the input unreadable, so no row of it can be trusted. A leading UTF-8 byte order mark is ignored;
 * lines may end in LF or CRLF.
 */
export function readBulk(
  input: AsyncIterable<Buffer | string>,
  format: BulkFormat,
  options: ReadBulkOptions = {},
): AsyncGenerator<BulkRow> {
  const maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  if (!Number.isSafeInteger(maxRowBytes) || maxRowBytes < 1) {
    throw new RangeError(`maxRowBytes must be a positive integer, got ${maxRowBytes}`);
  }
  const text = decodeUtf8(input);
  switch (format) {
    case 'csv':
      return readCsv(text, maxRowBytes);
    case 'json':
      return readJsonArray(text, maxRowBytes);
    case 'ndjson':
      return readNdjson(text, maxRowBytes);
  }
}
