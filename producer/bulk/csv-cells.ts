import { CsvError, parse } from 'csv-parse/sync';

/** The cells of one CSV record, or why they could not be read. */
export type CellsResult = { ok: true; cells: string[] } | { ok: false; message: string };

const OPTIONS = { record_delimiter: '\n', trim: true } as const;

/**
 * Splits the text of one CSV record (quoted line ends included, record line end excluded) into
 * its cells with csv-parse: comma-separated, RFC 4180 quoting (`"a, ""b"""`), whitespace around
 * cells ignored. Cells come back as csv-parse gives them, untrimmed inside quotes.
 *
 * A record without any `"` leaves csv-parse nothing to interpret, so it is split at its commas
 * and trimmed directly: the same cells, without the cost of a csv-parse call.
 */
export function csvCells(text: string): CellsResult {
  if (!text.includes('"')) return { ok: true, cells: text.split(',').map((cell) => cell.trim()) };
  let records: string[][];
  try {
    records = parse(text, OPTIONS);
  } catch (error) {
    return { ok: false, message: describe(error) };
  }
  const [cells] = records;
  if (records.length !== 1 || !cells) return { ok: false, message: 'malformed CSV row' };
  return { ok: true, cells };
}

function describe(error: unknown): string {
  if (!(error instanceof CsvError)) return `malformed CSV row: ${String(error)}`;
  switch (error.code) {
    case 'INVALID_OPENING_QUOTE':
      return 'a double quote appears inside an unquoted cell; quote the whole cell and double the quotes inside it ("a ""b"" c")';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quoted cell is followed by more text before the next comma; double the quotes inside a quoted cell';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell is never closed';
    default:
      return `malformed CSV row: ${error.message}`;
  }
}
