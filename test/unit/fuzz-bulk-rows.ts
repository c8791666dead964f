/**
 * Random bulk files for the fuzz tests: rows that are valid, hostile (every field anything),
 * garbage, too long or blank, written out as NDJSON, a JSON array or CSV, each with the rows
 * `readBulk` must give back for it. Invalid rows are judged by the contract itself (fuzzed on its
 * own in fuzz-contract.test.ts); what is tested here is the reading: lines, order, splitting,
 * quoting, limits, and that valid rows come out unchanged.
 */
import fc from 'fast-check';
import { CSV_COLUMNS, type CsvColumn } from '../../producer/bulk/csv-header.ts';
import { printable } from '../../producer/bulk/printable.ts';
import type { BulkRow } from '../../producer/bulk/read.ts';
import { type ExportRequestInput, parseExportRequest } from '../../shared/contract.ts';
import { NASTY_PIECES, nastyString, validRequest } from './fuzz-arbitraries.ts';

/** The row limit the fuzzed files are read with (small, so that long rows are cheap). */
export const MAX_ROW_BYTES = 2048;

export type RowSpec =
  | { kind: 'valid'; request: ExportRequestInput }
  | { kind: 'hostile'; data: Record<string, string> }
  | { kind: 'garbage'; text: string }
  | { kind: 'blank'; text: string };

/** Replaces lone surrogates, which a file cannot hold, by U+FFFD as UTF-8 encoding would. */
export function wellFormed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

const field = fc.oneof(
  nastyString.map((text) => wellFormed(text).slice(0, 3000)),
  fc.constantFrom(...NASTY_PIECES).map(wellFormed),
);

export const rowSpec: fc.Arbitrary<RowSpec> = fc.oneof(
  { weight: 4, arbitrary: validRequest.map((request) => ({ kind: 'valid' as const, request })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(validRequest, fc.dictionary(fc.constantFrom(...CSV_COLUMNS), field, { minKeys: 1 }))
      .map(([request, over]) => {
        const data: Record<string, string> = {};
        for (const [key, value] of Object.entries(request)) {
          data[key] = typeof value === 'string' ? value : JSON.stringify(value);
        }
        return { kind: 'hostile' as const, data: { ...data, ...over } };
      }),
  },
  {
    weight: 1,
    arbitrary: field.map((text) => ({
      kind: 'garbage' as const,
      text: text.replace(/[\r\n]/g, ''),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', ' ', '\t', '\r')
      .map((text) => ({ kind: 'blank' as const, text })),
  },
);

export const rowSpecs = fc.array(rowSpec, { maxLength: 25 });

/** A file and what reading it must give. */
export interface Rendered {
  text: string;
  /** The rows read, up to the file error if there is one. */
  rows: BulkRow[];
  /** A problem of the file as a whole, which stops reading (an NDJSON line over the limit). */
  error?: { line: number; reason: string };
}

/** The row the reader gives for one object of data on `line`, judged by the contract. */
function judge(line: number, data: unknown, extra: BulkRow[] = []): BulkRow {
  if (extra[0]) return extra[0];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    return rowError(line, `must be a JSON object (one export request), not ${what}`);
  }
  const result = parseExportRequest(data);
  return result.ok
    ? { line, ok: true, request: result.value }
    : { line, ok: false, issues: result.issues.map(shown) };
}

function rowError(line: number, message: string): BulkRow {
  return { line, ok: false, issues: [{ field: '', message: printable(message) }] };
}

/** An issue as the reader prints it: text from the file escaped and cut (see printable.ts). */
function shown(issue: { field: string; message: string }) {
  return { field: printable(issue.field), message: printable(issue.message) };
}

function tooLong(limit: number, text: string, line: number, hint = ''): BulkRow | undefined {
  return Buffer.byteLength(text) > limit
    ? rowError(line, `row is longer than ${limit} bytes${hint}`)
    : undefined;
}

function jsonRow(limit: number, line: number, text: string): BulkRow {
  const long = tooLong(limit, text, line);
  if (long) return long;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return rowError(line, `not valid JSON: ${(error as Error).message}`);
  }
  return judge(line, data);
}

function objectText(spec: RowSpec): string {
  if (spec.kind === 'valid') return JSON.stringify(spec.request);
  if (spec.kind === 'hostile') return JSON.stringify(spec.data);
  return spec.text;
}

/** One row per line; blank lines are skipped. */
export function renderNdjson(specs: RowSpec[], limit = MAX_ROW_BYTES): Rendered {
  const lines = specs.map(objectText);
  const rows: BulkRow[] = [];
  for (const [i, line] of lines.entries()) {
    // The reader drops a byte order mark at the start of the input.
    const text = i === 0 ? line.replace(/^\ufeff/, '') : line;
    if (Buffer.byteLength(text) > limit) {
      const reason = `this line is longer than ${limit} bytes, the most one NDJSON line may have; is the input one JSON object per line? (a JSON array needs --format json)`;
      return { text: lines.join('\n'), rows, error: { line: i + 1, reason } };
    }
    if (text.trim() !== '') rows.push(jsonRow(limit, i + 1, text));
  }
  return { text: lines.join('\n'), rows };
}

/** One element per row (garbage becomes a JSON string, blank a missing row), two per line. */
export function renderJsonArray(specs: RowSpec[], limit = MAX_ROW_BYTES): Rendered {
  const elements = specs
    .filter((spec) => spec.kind !== 'blank')
    .map((spec) => (spec.kind === 'garbage' ? JSON.stringify(spec.text) : objectText(spec)));
  const rows = elements.map((text, i) => {
    const row = jsonRow(limit, 2 + Math.floor(i / 2), text);
    // A bad row of an array names its item, its 1-based position.
    return row.ok ? row : { ...row, item: i + 1 };
  });
  const body = elements.map((text, i) => (i % 2 === 1 ? ` ${text}` : `\n${text}`)).join(',');
  return { text: `[${body}\n]`, rows };
}

const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;

/** A header naming `columns`, then one record per row, every cell quoted. */
export function renderCsv(
  specs: RowSpec[],
  columns: readonly CsvColumn[],
  limit = MAX_ROW_BYTES,
): Rendered {
  const records: string[] = [columns.join(',')];
  const rows: BulkRow[] = [];
  let line = 2;
  for (const spec of specs) {
    let record: string;
    let expected: BulkRow | undefined;
    if (spec.kind === 'blank' || spec.kind === 'garbage') {
      // Garbage: one cell only, so never the right count (every header has 4 or more columns).
      record = spec.kind === 'blank' ? spec.text : quote(spec.text);
      const cells = spec.kind === 'blank' ? 0 : 1;
      const empty = spec.kind === 'blank' || spec.text.trim() === '';
      expected = empty
        ? undefined
        : (tooLong(limit, record, line, ' (a quote that is never closed can cause this)') ??
          rowError(
            line,
            `has ${cells} cells, but the header (line 1) has ${columns.length} columns`,
          ));
    } else {
      const data = spec.kind === 'valid' ? cellsOf(spec.request) : spec.data;
      const cells = columns.map((column) => data[column] ?? '');
      record = cells.map(quote).join(',');
      expected = csvRow(limit, line, record, columns, cells);
    }
    if (expected) rows.push(expected);
    records.push(record);
    line += record.split('\n').length;
  }
  return { text: `${records.join('\n')}\n`, rows };
}

function cellsOf(request: ExportRequestInput): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined) cells[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return cells;
}

function csvRow(
  limit: number,
  line: number,
  record: string,
  columns: readonly CsvColumn[],
  raw: string[],
): BulkRow | undefined {
  const long = tooLong(limit, record, line, ' (a quote that is never closed can cause this)');
  if (long) return long;
  const cells = raw.map((cell) => cell.trim());
  if (cells.every((cell) => cell === '')) return undefined;
  const data: Record<string, unknown> = {};
  let metaIssue = false;
  columns.forEach((column, i) => {
    const cell = cells[i]!;
    if (!cell) return;
    if (column !== 'meta') {
      data[column] = cell;
      return;
    }
    try {
      data.meta = JSON.parse(cell);
    } catch {
      metaIssue = true;
    }
  });
  const row = judge(line, data);
  if (!metaIssue) return row;
  const issue = {
    field: 'meta',
    message: 'must be a JSON object such as {"ticket":"OPS-12"}; this cell is not valid JSON',
  };
  return { line, ok: false, issues: [...(row.ok ? [] : row.issues), issue] };
}

/** Columns for a CSV header: the required ones and some optional ones, in any order. */
export const csvColumns: fc.Arbitrary<CsvColumn[]> = fc
  .subarray(['backupTypeMode', 'regionCode', 'meta'] as CsvColumn[])
  .chain((optional) =>
    fc.shuffledSubarray(
      [...['api', 'instanceNo', 'fileName', 'bucketName'], ...optional] as CsvColumn[],
      {
        minLength: 4 + optional.length,
      },
    ),
  );
