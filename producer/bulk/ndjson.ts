import { splitLines } from './line-splitter.ts';
import { type BulkRow, parseJsonRow, tooLong } from './row.ts';

/**
 * Reads NDJSON (JSON Lines): one export request object per line. Blank lines are skipped.
 * Nothing here is fatal: a line that is not JSON, not an object, not a valid request or longer
 * than `maxRowBytes` is a row error for that line, and reading goes on with the next line.
 */
export async function* readNdjson(
  text: AsyncIterable<string>,
  maxRowBytes: number,
): AsyncGenerator<BulkRow> {
  for await (const record of splitLines(text, { maxRowBytes, quotes: false })) {
    if (record.kind !== 'text') {
      yield tooLong(record.line, maxRowBytes);
    } else if (record.text.trim() !== '') {
      yield parseJsonRow(record.line, record.text);
    }
  }
}
