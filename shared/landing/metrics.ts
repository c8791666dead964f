/**
 * The landing metrics, read from the counters the ledger bumps when a check ends
 * (`ledger/landing.ts`): `ncp_cache_export_landings_total{state}` and the histogram
 * `ncp_cache_export_landing_duration_seconds` (from NCP accepting an export to the look that
 * found its object settled), built by hand as the call-latency histogram is.
 */
import type { MetricValueWithName } from 'prom-client';
import { LANDING_SECONDS_BUCKETS } from '../metric-fields.ts';

export const LANDINGS_TOTAL = 'ncp_cache_export_landings_total';

/** Landing checks ended per state, from the counter hash. */
export function landingCounts(counters: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [field, value] of Object.entries(counters)) {
    if (field.startsWith('l|')) counts[field.slice(2)] = Number(value);
  }
  return counts;
}

export function landingHistogram(read: () => Promise<Record<string, string>>) {
  const name = 'ncp_cache_export_landing_duration_seconds';
  const help =
    'Time from NCP accepting an export to its object found settled in the bucket (landed checks).';
  return {
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    reset() {},
    async get() {
      const counts: number[] = Array(LANDING_SECONDS_BUCKETS.length + 1).fill(0);
      let sumMs = 0;
      for (const [field, value] of Object.entries(await read())) {
        if (field.startsWith('lb|')) counts[Number(field.slice(3))]! += Number(value);
        else if (field === 'ls') sumMs += Number(value);
      }
      const values: MetricValueWithName<string>[] = [];
      let cumulative = 0;
      counts.forEach((count, i) => {
        cumulative += count;
        const le = i < LANDING_SECONDS_BUCKETS.length ? String(LANDING_SECONDS_BUCKETS[i]) : '+Inf';
        values.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
      });
      values.push({ metricName: `${name}_sum`, labels: {}, value: sumMs / 1000 });
      values.push({ metricName: `${name}_count`, labels: {}, value: cumulative });
      return { name, help, type: 'histogram' as const, aggregator: 'sum' as const, values };
    },
  };
}
