/** Helpers for the bulk reader tests (test/unit/bulk-*.test.ts). */
import { expect } from 'vitest';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { BulkFileError, type BulkRow, readBulk } from '../../producer/bulk/read.ts';
import type { ExportRequest } from '../../shared/contract.ts';

/** Yields `data` as Buffers of `size` bytes (all of it at once by default). */
export async function* chunks(data: string | Uint8Array, size = Number.POSITIVE_INFINITY) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (bytes.length === 0) return;
  for (let start = 0; start < bytes.length; start += size) {
    yield bytes.subarray(start, Math.min(start + size, bytes.length));
  }
}

/** What reading an input gave: its rows, and the file error that stopped it, if any. */
export interface ReadResult {
  rows: BulkRow[];
  error?: { line: number; reason: string };
}

/** Reads all of `data`, catching a BulkFileError (any other error fails the test). */
export async function readAll(
  data: string | Uint8Array,
  format: BulkFormat,
  options: { chunkSize?: number; maxRowBytes?: number } = {},
): Promise<ReadResult> {
  const rows: BulkRow[] = [];
  const input = chunks(data, options.chunkSize);
  const readOptions = options.maxRowBytes ? { maxRowBytes: options.maxRowBytes } : {};
  try {
    for await (const row of readBulk(input, format, readOptions)) rows.push(row);
  } catch (error) {
    if (!(error instanceof BulkFileError)) throw error;
    expect(error.message).toBe(`line ${error.line}: ${error.reason}`);
    return { rows, error: { line: error.line, reason: error.reason } };
  }
  return { rows };
}

/** A valid request as the contract gives it back, defaults applied. */
export function request(overrides: Partial<ExportRequest> = {}): ExportRequest {
  return {
    api: 'vredis',
    instanceNo: '1234511',
    fileName: '20240702',
    bucketName: 'redis-backup',
    backupTypeMode: 'SYSTEM',
    ...overrides,
  };
}

/** A good row. */
export function ok(line: number, overrides: Partial<ExportRequest> = {}): BulkRow {
  return { line, ok: true, request: request(overrides) };
}

/** A row that failed as a whole; `item` for a row of a JSON array. */
export function bad(line: number, message: string, item?: number): BulkRow {
  const at = item === undefined ? {} : { item };
  return { line, ...at, ok: false, issues: [{ field: '', message }] };
}
