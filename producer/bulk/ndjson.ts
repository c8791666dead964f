import { BulkFileError } from './errors.ts';
import { splitLines } from './line-splitter.ts';
import { type BulkRow, parseJsonRow } from './row.ts';

/**
 * Reads NDJSON (JSON Lines): one export request object per line. Blank lines are skipped.
 * A line that is not JSON, not an object or not a valid request is a row error for that line,
 * and reading goes on with the next line. A line longer than `maxRowBytes` throws a
 * {@link BulkFileError}: it is not a row that can be judged (its text is never held), and it
 * usually means the input is not one object per line at all (a pretty-printed or `jq -c` array).
 */
export async function* readNdjson(
  text: AsyncIterable<string>,
  maxRowBytes: number,
): AsyncGenerator<BulkRow> {
  for await (const record of splitLines(text, { maxRowBytes, quotes: false })) {
    if (record.kind !== 'text') {
      throw new BulkFileError(
        record.line,
        `this line is longer than ${maxRowBytes} bytes, the most one NDJSON line may have; is the input one JSON object per line? (a JSON array needs --format json)`,
      );
    } else if (record.text.trim() !== '') {
      yield parseJsonRow(record.line, record.text);
    }
  }
}
