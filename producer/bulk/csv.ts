import type { FieldIssue } from '../../shared/contract.ts';
import { DuplicateKeyError, formatJsonPath, parseStrictJson } from '../strict-json.ts';
import { csvCells } from './csv-cells.ts';
import { type CsvColumn, parseCsvHeader } from './csv-header.ts';
import { BulkFileError } from './errors.ts';
import { type SplitRecord, splitLines } from './line-splitter.ts';
import { type BulkRow, duplicateKeyIssue, rowError, tooLong, validateRow } from './row.ts';

const SWALLOWED = 'so the rest of the input was read as part of it';

/**
 * Reads a CSV of export requests. The first non-blank row is the header (see
 * {@link parseCsvHeader}); its problems throw a {@link BulkFileError}, as does input without one.
 * Each further row maps cells to fields by column: cells are trimmed, an empty cell leaves its
 * field out (so its default applies), and the `meta` cell holds a JSON object. Blank rows and rows
 * of empty cells (`,,,` as spreadsheets write them) are skipped.
 *
 * Row errors (reading goes on): a wrong number of cells, broken quoting within a row, a `meta` cell
 * that is not JSON or names a key twice, an invalid request, a row longer than `maxRowBytes`.
 * A quoted cell that is never closed swallows the rest of the input: a {@link BulkFileError}.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  maxRowBytes: number,
): AsyncGenerator<BulkRow> {
  let header: { line: number; columns: CsvColumn[] } | undefined;
  for await (const record of splitLines(text, { maxRowBytes, quotes: true })) {
    if (record.kind === 'text' && record.text.trim() === '') continue;
    if (header) {
      const row = toRow(record, header, maxRowBytes);
      if (row) yield row;
    } else {
      header = readHeader(record, maxRowBytes);
    }
  }
  if (!header) {
    throw new BulkFileError(
      1,
      'the CSV input is empty; it needs a header row naming its columns, e.g. api,instanceNo,fileName,bucketName',
    );
  }
}

function readHeader(
  record: SplitRecord,
  maxRowBytes: number,
): { line: number; columns: CsvColumn[] } {
  const { line } = record;
  if (record.kind === 'too-long') {
    throw new BulkFileError(line, `the CSV header is longer than ${maxRowBytes} bytes`);
  }
  if (record.kind === 'unclosed-quote') {
    throw new BulkFileError(line, `a quoted cell in the CSV header is never closed, ${SWALLOWED}`);
  }
  const result = csvCells(record.text);
  if (!result.ok) throw new BulkFileError(line, `unreadable CSV header: ${result.message}`);
  return { line, columns: parseCsvHeader(result.cells, line) };
}

function toRow(
  record: SplitRecord,
  header: { line: number; columns: CsvColumn[] },
  maxRowBytes: number,
): BulkRow | undefined {
  const { line } = record;
  if (record.kind === 'too-long') {
    return tooLong(line, maxRowBytes, ' (a quote that is never closed can cause this)');
  }
  if (record.kind === 'unclosed-quote') {
    // Every later line was read as part of this cell: no row after it can be judged.
    throw new BulkFileError(line, `a quoted cell in this row is never closed, ${SWALLOWED}`);
  }
  const result = csvCells(record.text);
  if (!result.ok) return rowError(line, result.message);
  const cells = result.cells.map((cell) => cell.trim());
  if (cells.every((cell) => cell === '')) return undefined;
  const { columns } = header;
  if (cells.length !== columns.length) {
    return rowError(
      line,
      `has ${cells.length} cells, but the header (line ${header.line}) has ${columns.length} columns`,
    );
  }
  const data: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  columns.forEach((column, index) => {
    const cell = cells[index];
    if (!cell) return;
    if (column !== 'meta') {
      data[column] = cell;
      return;
    }
    try {
      data.meta = parseStrictJson(cell);
    } catch (error) {
      if (error instanceof DuplicateKeyError) {
        issues.push(duplicateKeyIssue(formatJsonPath(['meta', ...error.path])));
        return;
      }
      issues.push({
        field: 'meta',
        message: 'must be a JSON object such as {"ticket":"OPS-12"}; this cell is not valid JSON',
      });
    }
  });
  return validateRow(line, data, issues);
}
