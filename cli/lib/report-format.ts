/** Renders report rows as an aligned table, JSON, CSV or a Markdown table, one row at a time. */
import { formatAge, type ReportRow } from '../../producer/report/rows.ts';
import { csvCell } from './outcome-format.ts';

export type ReportFormat = 'table' | 'json' | 'csv' | 'md';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'csv', 'md'];

const CSV_COLUMNS = [
  'api',
  'regionCode',
  'instanceNo',
  'stale',
  'lastSuccessAt',
  'ageSeconds',
  'lastSuccessFile',
  'lastSuccessBucket',
  'lastSuccessJobId',
  'landed',
  'runs',
  'failed',
  'lastFailureAt',
  'lastFailureKind',
  'lastFailureCode',
  'lastFailureMessage',
  'lastFailureJobId',
] as const;

function flatten(row: ReportRow): Record<(typeof CSV_COLUMNS)[number], unknown> {
  return {
    api: row.api,
    regionCode: row.regionCode,
    instanceNo: row.instanceNo,
    stale: row.stale,
    lastSuccessAt: row.lastSuccess?.at,
    ageSeconds: row.ageSeconds,
    lastSuccessFile: row.lastSuccess?.fileName,
    lastSuccessBucket: row.lastSuccess?.bucketName,
    lastSuccessJobId: row.lastSuccess?.jobId,
    landed: row.landed,
    runs: row.runs,
    failed: row.failed,
    lastFailureAt: row.lastFailure?.at,
    lastFailureKind: row.lastFailure?.kind,
    lastFailureCode: row.lastFailure?.code,
    lastFailureMessage: row.lastFailure?.message,
    lastFailureJobId: row.lastFailure?.jobId,
  };
}

const time = (iso: string | undefined) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');

/** Table and Markdown columns; width 0 is the last, unpadded column. */
const COLUMNS: { title: string; width: number; value: (row: ReportRow) => string }[] = [
  { title: 'API', width: 6, value: (r) => r.api },
  { title: 'REGION', width: 6, value: (r) => r.regionCode },
  { title: 'INSTANCE', width: 12, value: (r) => r.instanceNo },
  { title: 'LAST SUCCESS (UTC)', width: 19, value: (r) => time(r.lastSuccess?.at) },
  { title: 'AGE', width: 8, value: (r) => formatAge(r.ageSeconds) + (r.stale ? ' !' : '') },
  { title: 'FILE', width: 16, value: (r) => r.lastSuccess?.fileName ?? '-' },
  { title: 'RUNS', width: 5, value: (r) => String(r.runs) },
  { title: 'FAILED', width: 6, value: (r) => String(r.failed) },
  {
    title: 'LAST FAILURE',
    width: 0,
    value: (r) =>
      r.lastFailure
        ? `${time(r.lastFailure.at)} ${r.lastFailure.kind}/${r.lastFailure.code}: ${r.lastFailure.message}`
        : '-',
  },
];

function tableRow(cells: string[]): string {
  return cells
    .map((cell, i) => {
      const width = COLUMNS[i]?.width ?? 0;
      if (width === 0) return cell;
      return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
    })
    .join(' ')
    .trimEnd();
}

/** A Markdown cell: pipes escaped, line breaks flattened. */
function mdCell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replaceAll('|', '\\|');
}

export interface ReportWriter {
  write(row: ReportRow): void;
  end(): void;
}

/**
 * Writes rows to `stream` in chunks of about 64 KiB (one write per row costs more than making
 * the row); `end` writes the rest.
 */
function chunked(stream: NodeJS.WritableStream) {
  let pending = '';
  return {
    write(text: string) {
      pending += text;
      if (pending.length >= 65_536) {
        stream.write(pending);
        pending = '';
      }
    },
    flush() {
      if (pending) stream.write(pending);
      pending = '';
    },
  };
}

export function createReportWriter(
  format: ReportFormat,
  stream: NodeJS.WritableStream,
): ReportWriter {
  const out = chunked(stream);
  const writer = rowWriter(format, out);
  return {
    write: writer.write,
    end: () => {
      writer.end();
      out.flush();
    },
  };
}

function rowWriter(format: ReportFormat, out: { write(text: string): void }): ReportWriter {
  switch (format) {
    case 'json': {
      // One JSON array, written a row at a time.
      let first = true;
      return {
        write: (row) => {
          out.write(`${first ? '[\n' : ',\n'}${JSON.stringify(row)}`);
          first = false;
        },
        end: () => out.write(first ? '[]\n' : '\n]\n'),
      };
    }
    case 'csv':
      out.write(`${CSV_COLUMNS.join(',')}\n`);
      return {
        write: (row) => {
          const cells = flatten(row);
          out.write(`${CSV_COLUMNS.map((column) => csvCell(cells[column])).join(',')}\n`);
        },
        end: () => {},
      };
    case 'md':
      out.write(`| ${COLUMNS.map((c) => c.title).join(' | ')} |\n`);
      out.write(`|${COLUMNS.map(() => ' --- |').join('')}\n`);
      return {
        write: (row) => out.write(`| ${COLUMNS.map((c) => mdCell(c.value(row))).join(' | ')} |\n`),
        end: () => {},
      };
    case 'table':
      out.write(`${tableRow(COLUMNS.map((c) => c.title))}\n`);
      return {
        write: (row) => out.write(`${tableRow(COLUMNS.map((c) => c.value(row)))}\n`),
        end: () => {},
      };
  }
}
