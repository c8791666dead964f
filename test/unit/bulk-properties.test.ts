/**
 * Property tests for the hand-written parts of the bulk readers: the CSV record splitter, the
 * quote-free CSV fast path, and the JSON array splitter, each against a reference (csv-parse,
 * JSON.stringify / JSON.parse) and under arbitrary chunking.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCells } from '../../producer/bulk/csv-cells.ts';
import { type ArrayElement, JsonArraySplitter } from '../../producer/bulk/json-array-splitter.ts';
import { LineSplitter, type SplitRecord } from '../../producer/bulk/line-splitter.ts';

/** `text` cut at the given points. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((point) => point % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let start = 0;
  for (const end of [...at, text.length]) {
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

const cutPoints = fc.array(fc.nat(), { maxLength: 20 });

function splitCsv(pieces: string[]): SplitRecord[] {
  const splitter = new LineSplitter({ maxRowBytes: 1_000_000, quotes: true });
  return [...pieces.flatMap((piece) => [...splitter.push(piece)]), ...splitter.end()];
}

function splitJson(pieces: string[]): ArrayElement[] {
  const splitter = new JsonArraySplitter({ maxRowBytes: 1_000_000 });
  const elements = pieces.flatMap((piece) => [...splitter.push(piece)]);
  splitter.end();
  return elements;
}

describe('bulk splitters, property tests', () => {
  it('cuts quoted CSV into its records, with their lines, however it is chunked', () => {
    const cell = fc.string({
      unit: fc.constantFrom('a', ' ', ',', '"', '""', '\n', '\r\n', '\r', '한', '🙂', '\t'),
      maxLength: 6,
    });
    const rows = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), {
      minLength: 1,
      maxLength: 6,
    });
    const lineEnd = fc.constantFrom('\n', '\r\n');
    fc.assert(
      fc.property(rows, lineEnd, cutPoints, (table, end, points) => {
        const lines = table.map((row) => row.map((c) => `"${c.replaceAll('"', '""')}"`).join(','));
        const records = splitCsv(cut(lines.join(end) + end, points));
        let line = 1;
        const expected = lines.map((text) => {
          const record = { line, kind: 'text', text };
          line += text.split('\n').length;
          return record;
        });
        expect(records).toEqual(expected);
        expect(records.map((record) => record.kind === 'text' && csvCells(record.text))).toEqual(
          table.map((cells) => ({ ok: true, cells })),
        );
      }),
    );
  });

  it('splits a CSV record without quotes exactly as csv-parse does', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', '1', ' ', '\t', ',', '\r', '\u00a0', '\ufeff', '\u2028', '한'),
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(
        text.filter((t) => t.trim() !== ''),
        (t) => {
          expect(csvCells(t)).toEqual({
            ok: true,
            cells: parse(t, { record_delimiter: '\n', trim: true })[0],
          });
        },
      ),
    );
  });

  it('cuts a JSON array into its elements however it is chunked and indented', () => {
    const indent = fc.constantFrom(0, 1, '\t');
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        indent,
        cutPoints,
        (array, space, points) => {
          const text = JSON.stringify(array, null, space);
          const whole = splitJson([text]);
          expect(whole.map((element) => JSON.parse(element.text ?? 'undefined'))).toEqual(
            JSON.parse(text),
          );
          if (space === 0) expect(whole.every((element) => element.line === 1)).toBe(true);
          else
            expect(whole.map((element) => element.line)).toEqual(
              array.map((_, i) => lineOf(text, i)),
            );
          expect(splitJson(cut(text, points))).toEqual(whole);
        },
      ),
    );
  });
});

/**
 * The line where top-level element `index` of an indented JSON.stringify output starts: elements
 * start on the lines indented once, except those that close an element (`]`, `}`).
 */
function lineOf(text: string, index: number): number {
  let seen = -1;
  for (const [number, line] of text.split('\n').entries()) {
    if (/^([ \t])(?!\1)[^\]}]/.test(line) && ++seen === index) return number + 1;
  }
  return -1;
}
