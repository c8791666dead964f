/**
 * Property tests of the bulk readers on whole random files: rows valid, hostile, garbage, too
 * long and blank, mixed in any order and cut into chunks anywhere; random byte soup; invalid UTF-8
 * anywhere. (The splitters alone are fuzzed against references in bulk-properties.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { readAll } from './bulk-helpers.ts';
import {
  csvColumns,
  MAX_ROW_BYTES,
  type Rendered,
  renderCsv,
  renderJsonArray,
  renderNdjson,
  rowSpecs,
} from './fuzz-bulk-rows.ts';

const chunkSize = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 17, max: 4096 }),
);

const files: Record<BulkFormat, fc.Arbitrary<Rendered>> = {
  ndjson: rowSpecs.map(renderNdjson),
  json: rowSpecs.map(renderJsonArray),
  csv: fc.tuple(rowSpecs, csvColumns).map(([specs, columns]) => renderCsv(specs, columns)),
};
const FORMATS = Object.keys(files) as BulkFormat[];
/** No control characters, at most 300 characters and an ellipsis. */
const PRINTABLE = /^[^\p{Cc}]{0,301}$/u;

describe('readBulk, fuzzed', () => {
  it.each(FORMATS)(
    '%s: gives every row in order with its line, however the file is chunked',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(files[format], chunkSize, async ({ text, rows, error }, size) => {
          const read = await readAll(text, format, { chunkSize: size, maxRowBytes: MAX_ROW_BYTES });
          expect(read).toEqual(error ? { rows, error } : { rows });
        }),
        { numRuns: format === 'csv' ? 120 : 150 },
      );
    },
  );

  it.each(FORMATS)('%s: reads byte soup to an end, as rows or one file error', async (format) => {
    const soup = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc
        .array(
          fc.constantFrom(
            ...'[]{}",:\n\r\\ aé한0\u001b\u0007'.split('').concat(['api', '"vredis"']),
          ),
          {
            maxLength: 200,
          },
        )
        .map((parts) => Buffer.from(parts.join(''))),
    );
    const prefix = format === 'csv' ? 'api,instanceNo,fileName,bucketName\n' : '';
    await fc.assert(
      fc.asyncProperty(soup, fc.boolean(), chunkSize, async (bytes, withHeader, size) => {
        const input = Buffer.concat([Buffer.from(withHeader ? prefix : ''), bytes]);
        const lines = input.filter((byte) => byte === 0x0a).length + 1;
        // readAll fails the test on anything thrown that is not a BulkFileError.
        const { rows, error } = await readAll(input, format, {
          chunkSize: size,
          maxRowBytes: 256,
        });
        for (const row of rows) {
          expect(row.line).toBeGreaterThanOrEqual(1);
          expect(row.line).toBeLessThanOrEqual(lines);
          if (row.ok) continue;
          expect(row.issues.length).toBeGreaterThan(0);
          // Printed as `file:line: field: message`: one line, nothing a terminal would act on.
          for (const { field, message } of row.issues) {
            expect(field).toMatch(PRINTABLE);
            expect(message).toMatch(PRINTABLE);
          }
        }
        if (error) {
          expect(error.line).toBeGreaterThanOrEqual(1);
          expect(error.line).toBeLessThanOrEqual(lines);
          expect(error.reason).toMatch(PRINTABLE);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each(FORMATS)(
    '%s: names meta nested thousands deep in one row (not a crash)',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.constantFrom(31, 32), fc.integer({ min: 1, max: 30_000 })),
          async (depth) => {
            const meta = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
            const text = {
              ndjson: `{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","meta":${meta}}\n`,
              json: `[{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","meta":${meta}}]`,
              csv: `api,instanceNo,fileName,bucketName,meta\nvredis,1,f,abc,"${meta.replaceAll('"', '""')}"\n`,
            }[format];
            const [row] = (await readAll(text, format)).rows;
            const line = format === 'csv' ? 2 : 1;
            // meta is one level, each bracket one more.
            if (depth + 1 <= 32) {
              expect(row).toMatchObject({ line, ok: true });
            } else {
              const message = 'must not nest objects and arrays more than 32 levels deep';
              const item = format === 'json' ? { item: 1 } : {};
              expect(row).toEqual({
                line,
                ...item,
                ok: false,
                issues: [{ field: 'meta', message }],
              });
            }
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  const BAD_UTF8 = [
    [0xff],
    [0x80],
    [0xc3],
    [0xe2, 0x82],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc7, 0xd1],
  ];

  it.each(FORMATS)(
    '%s: stops at the line of any invalid UTF-8, rows before it intact',
    async (format) => {
      await fc.assert(
        fc.asyncProperty(
          files[format],
          fc.nat(),
          fc.constantFrom(...BAD_UTF8),
          chunkSize,
          async ({ text, rows, error }, at, bad, size) => {
            const lines = text.split('\n');
            // Before an NDJSON line over the limit, which stops reading itself.
            const line = (at % (error ? error.line : lines.length)) + 1;
            // The bad bytes go at the start of that line: a line never starts mid-character.
            const before = lines.slice(0, line - 1).join('\n') + (line > 1 ? '\n' : '');
            const input = Buffer.concat([
              Buffer.from(before),
              Buffer.from(bad),
              Buffer.from(text.slice(before.length)),
            ]);
            const read = await readAll(input, format, {
              chunkSize: size,
              maxRowBytes: MAX_ROW_BYTES,
            });
            expect(read.error).toEqual({
              line,
              reason: 'input is not valid UTF-8; save the file as UTF-8',
            });
            // What came out before the error is a prefix of the rows, all from earlier lines.
            expect(read.rows).toEqual(rows.slice(0, read.rows.length));
            for (const row of read.rows) expect(row.line).toBeLessThan(line);
          },
        ),
        { numRuns: 100 },
      );
    },
  );
});
