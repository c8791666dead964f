import { type ExportRequest, type FieldIssue, parseExportRequest } from '../../shared/contract.ts';
import { DuplicateKeyError, formatJsonPath, parseStrictJson } from '../strict-json.ts';
import { printable } from './printable.ts';

/**
 * One row of a bulk input: a valid export request, or the reasons it is not one. `line` is the
 * 1-based line where the row starts. Issues with field `''` concern the row as a whole (not JSON,
 * not an object, wrong number of CSV cells, too long). In a JSON array, a bad row also has `item`,
 * its 1-based position in the array, since several items may start on one line (`jq -c`).
 */
export type BulkRow =
  | { line: number; ok: true; request: ExportRequest }
  | { line: number; item?: number; ok: false; issues: FieldIssue[] };

/** A row that failed as a whole. */
export function rowError(line: number, message: string): BulkRow {
  return { line, ok: false, issues: [{ field: '', message: printable(message) }] };
}

/** The row error for a row longer than the byte limit. */
export function tooLong(line: number, maxRowBytes: number, hint = ''): BulkRow {
  return rowError(line, `row is longer than ${maxRowBytes} bytes${hint}`);
}

/** Validates one decoded row; anything but a JSON object is a row error. */
export function validateRow(line: number, data: unknown, extra: FieldIssue[] = []): BulkRow {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return rowError(line, `must be a JSON object (one export request), not ${describe(data)}`);
  }
  const result = parseExportRequest(data);
  if (result.ok && extra.length === 0) return { line, ok: true, request: result.value };
  // Field names can be any key of the row.
  const issues = [...(result.ok ? [] : result.issues), ...extra].map((issue) => ({
    field: printable(issue.field),
    message: printable(issue.message),
  }));
  return { line, ok: false, issues };
}

/**
 * Parses one row of JSON text: the row error when it is not JSON or names a key twice, else the
 * validated row.
 */
export function parseJsonRow(line: number, text: string): BulkRow {
  let data: unknown;
  try {
    data = parseStrictJson(text);
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      return { line, ok: false, issues: [duplicateKeyIssue(formatJsonPath(error.path))] };
    }
    return rowError(line, `not valid JSON: ${(error as Error).message}`);
  }
  return validateRow(line, data);
}

const DUPLICATE_KEY =
  'appears twice in the same object; JSON would keep only the last value, so remove one';

/** The issue for a key that appears twice, at `field` (its dotted path). */
export function duplicateKeyIssue(field: string): FieldIssue {
  return { field: printable(field), message: DUPLICATE_KEY };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
