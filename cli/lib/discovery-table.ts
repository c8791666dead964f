/**
 * A discovery outcome as people read it: one row per chosen file (or per instance without
 * one), the problems in full, and a summary line.
 */
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';

const HEADERS = ['INSTANCE', 'NAME', 'REGION', 'BACKUPS', 'FILE', 'BACKUP TIME (UTC)', 'RESULT'];

/** Renders the table, the problems and the summary, each line ending in a newline. */
export function renderDiscovery(outcome: DiscoveryOutcome): string {
  const problems = new Map<string, string>();
  for (const error of outcome.errors) {
    if (error.instanceNo && !problems.has(error.instanceNo)) {
      problems.set(error.instanceNo, `error: ${error.code}`);
    }
  }
  const rows: string[][] = [];
  for (const instance of outcome.instances) {
    const common = [
      instance.instanceNo,
      instance.name || '-',
      instance.regionCode ?? '-',
      instance.backupsListed === null ? '?' : String(instance.backupsListed),
    ];
    for (const file of instance.files) {
      rows.push([...common, file.fileName, time(file.backupTime), file.result, file.jobId]);
    }
    if (instance.files.length === 0) {
      const result =
        problems.get(instance.instanceNo) ??
        (instance.backupsListed === 0 ? 'no backup' : 'none chosen');
      rows.push([...common, '-', '-', result, '']);
    }
  }
  const lines: string[] = [];
  if (rows.length > 0) lines.push(...table([...HEADERS, 'JOB ID'], rows));
  if (outcome.errors.length > 0) {
    lines.push('', 'problems:');
    for (const error of outcome.errors) {
      lines.push(`  ${error.instanceNo ?? '(all)'}: ${error.kind}/${error.code}: ${error.message}`);
    }
  }
  lines.push('', summary(outcome));
  return `${lines.join('\n')}\n`;
}

/** One line: what was seen, chosen and enqueued. */
export function summary(o: DiscoveryOutcome): string {
  const enqueued = o.dryRun
    ? `${count(o.instances, 'would-add')} would be enqueued (dry run)`
    : `${o.exportsEnqueued} enqueued`;
  return `discovery ${o.jobId} ${o.status}: ${o.instancesSeen} instances seen, ${o.instancesMatched} matched, ${o.filesChosen} files chosen, ${enqueued}, ${o.exportsDuplicate} already queued, ${o.errors.length} problems`;
}

function count(instances: DiscoveryOutcome['instances'], result: string): number {
  return instances.flatMap((i) => i.files).filter((f) => f.result === result).length;
}

function time(iso: string | null): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '-';
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly string[][]): string[] {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}
