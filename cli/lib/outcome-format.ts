/** Renders outcome records as JSON lines, CSV or an aligned table, one record at a time. */
import type { Outcome } from '../../shared/contract.ts';

export type OutcomeFormat = 'jsonl' | 'csv' | 'table';
export const OUTCOME_FORMATS: readonly OutcomeFormat[] = ['jsonl', 'csv', 'table'];

const CSV_COLUMNS = [
  'jobId',
  'status',
  'api',
  'regionCode',
  'instanceNo',
  'backupTypeMode',
  'fileName',
  'bucketName',
  'attempts',
  'httpStatus',
  'requestId',
  'returnCode',
  'errorKind',
  'errorCode',
  'errorMessage',
  'enqueuedAt',
  'startedAt',
  'finishedAt',
  'meta',
] as const;

function flatten(outcome: Outcome): Record<(typeof CSV_COLUMNS)[number], unknown> {
  const request = outcome.request as Record<string, unknown>;
  return {
    jobId: outcome.jobId,
    status: outcome.status,
    api: request.api,
    regionCode: request.regionCode,
    instanceNo: request.instanceNo,
    backupTypeMode: request.backupTypeMode,
    fileName: request.fileName,
    bucketName: request.bucketName,
    attempts: outcome.attempts,
    httpStatus: outcome.httpStatus,
    requestId: outcome.requestId,
    returnCode: outcome.returnCode,
    errorKind: outcome.error?.kind,
    errorCode: outcome.error?.code,
    errorMessage: outcome.error?.message,
    enqueuedAt: outcome.enqueuedAt,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    meta: Object.keys(outcome.meta).length > 0 ? JSON.stringify(outcome.meta) : '',
  };
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets don't run it. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text) && !/^-?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface TableColumn {
  title: string;
  /** Cells are padded to this width; 0: the last column, as long as it is. */
  width: number;
  /** Longer cells are cut with "…", unless this is set: then they push the row on instead. */
  whole?: boolean;
  value: (o: Outcome) => string;
}

/**
 * The job id names the export (api~region~instance~type~file~bucket) and its run (`~r1`, `~r2`
 * after `retry`), and is what `retry` takes: it is never cut. REGION is the one the call went
 * to, or `-` where NCP chose (no regionCode).
 */
const TABLE_COLUMNS: TableColumn[] = [
  { title: 'FINISHED', width: 20, value: (o) => o.finishedAt.slice(0, 19).replace('T', ' ') },
  { title: 'STATUS', width: 9, value: (o) => o.status },
  {
    title: 'REGION',
    width: 6,
    value: (o) => String((o.request as Record<string, unknown>).regionCode ?? '-'),
  },
  { title: 'JOB ID', width: 50, whole: true, value: (o) => o.jobId },
  { title: 'TRIES', width: 5, value: (o) => String(o.attempts) },
  { title: 'HTTP', width: 4, value: (o) => String(o.httpStatus ?? '-') },
  {
    title: 'RESULT',
    width: 0,
    value: (o) =>
      o.error ? `${o.error.kind}/${o.error.code}: ${o.error.message}` : (o.requestId ?? ''),
  },
];

function tableRow(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const column = TABLE_COLUMNS[i];
      const width = column?.width ?? 0;
      if (width === 0 || cell.length <= width) return cell.padEnd(width);
      return column?.whole ? cell : `${cell.slice(0, width - 1)}…`;
    })
    .join(' ')
    .trimEnd();
}

export interface OutcomeWriter {
  write(outcome: Outcome): void;
}

export function createOutcomeWriter(
  format: OutcomeFormat,
  out: NodeJS.WritableStream,
): OutcomeWriter {
  switch (format) {
    case 'jsonl':
      return { write: (outcome) => out.write(`${JSON.stringify(outcome)}\n`) };
    case 'csv':
      out.write(`${CSV_COLUMNS.join(',')}\n`);
      return {
        write: (outcome) => {
          const row = flatten(outcome);
          out.write(`${CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\n`);
        },
      };
    case 'table':
      out.write(`${tableRow(TABLE_COLUMNS.map((column) => column.title))}\n`);
      return {
        write: (outcome) =>
          out.write(`${tableRow(TABLE_COLUMNS.map((column) => column.value(outcome)))}\n`),
      };
  }
}
