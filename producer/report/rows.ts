/**
 * The coverage report: one row per instance, built from the ledger's per-instance summaries
 * (never from a scan of the records), read a page at a time so memory stays flat.
 */
import type { InstanceSummary, Ledger } from '../../shared/ledger/index.ts';

const DAY_MS = 86_400_000;

/** One instance in the report. */
export interface ReportRow {
  api: string;
  regionCode: string;
  instanceNo: string;
  lastSuccess: InstanceSummary['lastSuccess'];
  /** Seconds since the last success; null if there was none. */
  ageSeconds: number | null;
  /**
   * Whether and where the last successful export landed in Object Storage: its landing state
   * (`pending`, `landed`, `not-landed`, `not-checked`) and key; null when there was no success,
   * or it was recorded before landing checks.
   */
  landed: { state: string; key?: string } | null;
  lastFailure: InstanceSummary['lastFailure'];
  /** Exports of this instance recorded in the period, and how many of them failed. */
  runs: number;
  failed: number;
  /** No success since `now - staleAfter`. */
  stale: boolean;
}

export interface ReportOptions {
  /** The time the report is made (ms); ages are measured from it. */
  now: number;
  /** An instance without a success for this long is stale. */
  staleAfterMs: number;
  /** List only stale instances. */
  staleOnly: boolean;
  /** Runs are counted over this many UTC days, today included. */
  days: number;
}

/** The report's rows, least recently exported first. */
export async function* reportRows(
  ledger: Pick<Ledger, 'instanceSummaries'>,
  options: ReportOptions,
): AsyncGenerator<ReportRow> {
  const staleBeforeMs = options.now - options.staleAfterMs;
  const days = { from: options.now - (options.days - 1) * DAY_MS, to: options.now };
  const summaries = ledger.instanceSummaries(
    options.staleOnly ? { staleBeforeMs, days } : { days },
  );
  for await (const summary of summaries) {
    let runs = 0;
    let failed = 0;
    for (const day in summary.days) {
      runs += summary.days[day]!.runs;
      failed += summary.days[day]!.failed;
    }
    const successMs = summary.lastSuccess ? Date.parse(summary.lastSuccess.at) : undefined;
    yield {
      api: summary.api,
      regionCode: summary.regionCode,
      instanceNo: summary.instanceNo,
      lastSuccess: summary.lastSuccess,
      ageSeconds:
        successMs === undefined ? null : Math.max(0, Math.round((options.now - successMs) / 1000)),
      landed: summary.lastSuccess?.landing ?? null,
      lastFailure: summary.lastFailure,
      runs,
      failed,
      stale: successMs === undefined || successMs < staleBeforeMs,
    };
  }
}

/** `3d 4h`, `26h 5m`, `12m`, `40s`. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return 'never';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}
