/**
 * The arithmetic of the benchmarks: medians of repetitions, ratios checked against the goals
 * of issue #7, sliding-window rates, and the markdown table `npm run bench` prints.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `median (min–max, n=3)`, or just the value for a single run. */
export function describe(values: readonly number[], digits = 0, unit = ''): string {
  const text = (value: number) => `${format(value, digits)}${unit}`;
  if (values.length <= 1) return values.length ? text(values[0]!) : 'n/a';
  const low = Math.min(...values);
  const high = Math.max(...values);
  return `${text(median(values))} (${format(low, digits)}–${format(high, digits)}, n=${values.length})`;
}

export function format(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function mib(bytes: number, digits = 1): string {
  return `${format(bytes / 1024 / 1024, digits)} MiB`;
}

/** A goal from the issue: the ratio (or figure) must be at least / at most `value`. */
export interface Goal {
  op: '>=' | '<=';
  value: number;
}

export const atLeast = (value: number): Goal => ({ op: '>=', value });
export const atMost = (value: number): Goal => ({ op: '<=', value });

export function meets(value: number, goal: Goal): boolean {
  return goal.op === '>=' ? value >= goal.value : value <= goal.value;
}

/** One line of the table. */
export interface ResultRow {
  scenario: string;
  figure: string;
  measured: string;
  reference?: string | undefined;
  /** The figure checked against the goal: a ratio, or a count for "never above" goals. */
  ratio?: number | undefined;
  ratioDigits?: number | undefined;
  goal?: Goal | undefined;
}

export function resultTable(rows: readonly ResultRow[]): string {
  const header = ['scenario', 'figure', 'measured', 'reference', 'ratio', 'goal', 'met'];
  const cells = rows.map((row) => [
    row.scenario,
    row.figure,
    row.measured,
    row.reference ?? '',
    row.ratio === undefined ? '' : formatRatio(row.ratio, row.ratioDigits ?? 3, row.goal),
    row.goal ? `${row.goal.op === '>=' ? '≥' : '≤'} ${row.goal.value}` : '',
    row.goal && row.ratio !== undefined ? (meets(row.ratio, row.goal) ? 'yes' : '**no**') : '',
  ]);
  return markdownTable(header, cells);
}

/** The ratio, with one more digit when rounding would put it on the other side of its goal. */
function formatRatio(ratio: number, digits: number, goal: Goal | undefined): string {
  const rounded = Number(ratio.toFixed(digits));
  const misleading = goal !== undefined && meets(rounded, goal) !== meets(ratio, goal);
  return format(ratio, misleading ? digits + 1 : digits);
}

/** A markdown table with padded columns, ready to paste into docs/benchmarks.md. */
export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(3, title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, i) => (cells[i] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

/**
 * Mean number of events in a sliding window of `windowMs`, over every window that lies wholly
 * between the first and the last event. For a steady stream this is its rate per window, free
 * of the edge effects of counting a bursty stream from its first to its last event.
 */
export function slidingMean(sortedTimes: readonly number[], windowMs: number): number {
  const first = sortedTimes[0];
  const last = sortedTimes[sortedTimes.length - 1];
  if (first === undefined || last === undefined || last - first <= windowMs) return Number.NaN;
  const lastStart = last - windowMs;
  let covered = 0;
  for (const time of sortedTimes) {
    // Windows [s, s + windowMs) holding `time`, with s in [first, lastStart].
    covered += Math.max(0, Math.min(time, lastStart) - Math.max(time - windowMs, first));
  }
  return covered / (lastStart - first);
}

/** Most events whose times differ by less than `windowMs` (the emulator's definition). */
export { mostWithin as slidingMax } from '../test/helpers/limiter-record.ts';
