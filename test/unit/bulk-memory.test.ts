import { describe, expect, it } from 'vitest';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { readBulk } from '../../producer/bulk/read.ts';

/** Rows per format: CSV cells go through csv-parse row by row, which is slower. */
const ROWS: Record<BulkFormat, number> = { json: 200_000, ndjson: 200_000, csv: 50_000 };
const NOTE = 'n'.repeat(300);
const MB = 1024 * 1024;

/** The text of row `i` (0-based) in `format`. */
function row(format: BulkFormat, i: number): string {
  const meta = `{"note":"${NOTE}","i":${i}}`;
  if (format === 'csv') {
    return `vredis,${i},2024${i},redis-backup,"${meta.replaceAll('"', '""')}"\n`;
  }
  const object = `{"api":"vredis","instanceNo":"${i}","fileName":"2024${i}","bucketName":"redis-backup","meta":${meta}}`;
  return format === 'json' ? `${i === 0 ? '[\n' : ','}${object}\n` : `${object}\n`;
}

/** About 400 bytes a row (80 MB for 200,000 rows), made as it is read, in ~64 KiB chunks. */
async function* generated(format: BulkFormat): AsyncGenerator<Buffer> {
  let parts: string[] = format === 'csv' ? ['api,instanceNo,fileName,bucketName,meta\n'] : [];
  let length = 0;
  for (let i = 0; i < ROWS[format]; i++) {
    const text = row(format, i);
    parts.push(text);
    length += text.length;
    if (length >= 64 * 1024) {
      yield Buffer.from(parts.join(''));
      parts = [];
      length = 0;
    }
  }
  if (format === 'json') parts.push(']\n');
  yield Buffer.from(parts.join(''));
}

describe('readBulk memory', () => {
  // A sanity check, not a benchmark: holding the 80 MB of JSON or NDJSON input, or its rows, would
  // go past the bound; streaming stays far below it (about 30 MB of garbage at the peak).
  it.each(['json', 'ndjson', 'csv'] as const)(
    'streams %s rows in flat memory',
    { timeout: 60_000 },
    async (format) => {
      const start = process.memoryUsage().heapUsed;
      let peak = start;
      let count = 0;
      let lastLine = 0;
      for await (const result of readBulk(generated(format), format)) {
        if (!result.ok) throw new Error(`line ${result.line}: ${JSON.stringify(result.issues)}`);
        count++;
        lastLine = result.line;
        if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      expect(count).toBe(ROWS[format]);
      expect(lastLine).toBe(ROWS[format] + Number(format !== 'ndjson'));
      expect((peak - start) / MB).toBeLessThan(100);
    },
  );
});
