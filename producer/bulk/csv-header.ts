import type { ExportRequestInput } from '../../shared/contract.ts';
import { BulkFileError } from './errors.ts';

/** The columns a bulk CSV may have, in any order: the fields of an export request. */
export const CSV_COLUMNS = [
  'api',
  'instanceNo',
  'fileName',
  'bucketName',
  'backupTypeMode',
  'regionCode',
  'meta',
] as const satisfies readonly (keyof ExportRequestInput)[];

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The columns every bulk CSV must have. */
export const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = [
  'api',
  'instanceNo',
  'fileName',
  'bucketName',
];

const KNOWN: ReadonlySet<string> = new Set(CSV_COLUMNS);

/**
 * The column of each cell position, from the (trimmed) cells of the header row. Throws a
 * {@link BulkFileError} at `line` for an empty, unknown or repeated column name, and for missing
 * required columns. Names are case-sensitive; a near miss gets a "did you mean".
 */
export function parseCsvHeader(cells: readonly string[], line: number): CsvColumn[] {
  const columns: CsvColumn[] = [];
  for (const [index, cell] of cells.entries()) {
    const name = cell.trim();
    if (name === '') {
      throw new BulkFileError(line, `column ${index + 1} of the CSV header has no name`);
    }
    if (!isColumn(name)) {
      throw new BulkFileError(line, `unknown column "${name}" in the CSV header${hint(name)}`);
    }
    if (columns.includes(name)) {
      throw new BulkFileError(line, `column "${name}" appears twice in the CSV header`);
    }
    columns.push(name);
  }
  const missing = REQUIRED_CSV_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new BulkFileError(
      line,
      `the CSV header lacks the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  return columns;
}

function isColumn(name: string): name is CsvColumn {
  return KNOWN.has(name);
}

function hint(name: string): string {
  const near = CSV_COLUMNS.find((column) => column.toLowerCase() === name.toLowerCase());
  return near ? ` (did you mean "${near}"?)` : `; the columns are ${CSV_COLUMNS.join(', ')}`;
}
