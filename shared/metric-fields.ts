/**
 * The Redis hash the system's counters are kept in, and its field names: written by the
 * ledger (in producers and workers) and the workers' call metrics, read by shared/metrics.ts
 * when scraped. Apart from metrics.ts so that writing a counter does not load prom-client.
 */
import { EXPORT_QUEUE } from './contract-core.ts';

/** Upper bounds (seconds) of the NCP call latency histogram's buckets. */
export const CALL_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** Upper bounds (seconds) of the landing-time histogram's buckets (acceptance to landed). */
export const LANDING_SECONDS_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;

/** The hash workers count into; it shares the queue's `{prefix}` hash tag. */
export function metricsKey(prefix: string): string {
  return `${prefix}:${EXPORT_QUEUE}:metrics`;
}

/**
 * Hash fields: `o|status|kind` (export outcomes recorded), `d|status` (discovery outcomes),
 * `r|kind` (finishes that found their record already written), `c|api|status|bucket`,
 * `s|api|status`, `t|api`,
 * `l|state`, `lb|bucket`, `ls` (landing checks, by `ledger/landing.ts`). The ledger bumps the first three in the same script run that claims
 * a record, so they count records exactly, whatever crashes.
 */
export const metricFields = {
  outcome: (status: string, kind: string | undefined) => `o|${status}|${kind ?? 'none'}`,
  discovery: (status: string) => `d|${status}`,
  repeat: (kind: 'export' | 'discovery') => `r|${kind}`,
  callBucket: (api: string, status: number | undefined, seconds: number) =>
    `c|${api}|${status ?? 'none'}|${bucketIndex(seconds)}`,
  callSum: (api: string, status: number | undefined) => `s|${api}|${status ?? 'none'}`,
  throttled: (api: string) => `t|${api}`,
  /** Landing checks ended, by state (`landed`, `not-landed`). */
  landing: (state: string) => `l|${state}`,
  landingBucket: (index: number) => `lb|${index}`,
  /** Sum of landing times, in ms. */
  landingSum: () => 'ls',
};

/** Index of the first bucket whose bound holds `seconds`; the +Inf bucket past the last. */
export function bucketIndex(seconds: number): number {
  const index = CALL_LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
  return index === -1 ? CALL_LATENCY_BUCKETS.length : index;
}
