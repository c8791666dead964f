/**
 * Prometheus metrics, the same in every process that exposes them (`serve` on /metrics, a
 * worker on METRICS_PORT).
 *
 * Everything about the job system is read from Redis at scrape time, so each process reports
 * the whole system, however many workers run and wherever: jobs per state, the shared rate
 * and throttle state, and counters that workers add to a Redis hash as they go (outcomes by
 * status and error kind, NCP calls by api and HTTP status with their latency, 429s). Scrape
 * one target, or aggregate with `max`, never `sum`, across targets. Process metrics
 * (`process_*`, `nodejs_*`) are each process's own.
 */
import type { Queue } from 'bullmq';
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricValueWithName,
  Registry,
} from 'prom-client';
import { loadReportConfig } from './config.ts';
import { JOB_STATES } from './job-states.ts';
import type { Coverage, Ledger } from './ledger/index.ts';
import { limiterKeys, readThrottleState, type ThrottleState } from './limiter-keys.ts';
import { CALL_LATENCY_BUCKETS, metricsKey } from './metric-fields.ts';
import type { RedisClient } from './redis.ts';

// Where the counters are kept, apart (no prom-client): producers and workers write them.
export { bucketIndex, CALL_LATENCY_BUCKETS, metricFields, metricsKey } from './metric-fields.ts';

/** Where the metrics are read from. */
export interface MetricsSource {
  redis: RedisClient;
  prefix: string;
  exportQueue: Queue;
  ledger: Pick<Ledger, 'retained' | 'coverage'>;
  /**
   * An instance without a successful export for this long counts as stale.
   * @defaultValue REPORT_STALE_AFTER's default, 26 h
   */
  staleAfterMs?: number | undefined;
}

interface Snapshot {
  jobs: Record<string, number>;
  outcomesRetained: number;
  counters: Record<string, string>;
  throttle: ThrottleState;
  workers: number | undefined;
  coverage: Coverage;
  /** Redis' clock when read (ms). */
  now: number;
}

/**
 * A registry with every metric of the system, read from Redis when scraped. Rejects the
 * scrape (so `up` shows it) when Redis cannot be read.
 */
export function createMetricsRegistry(
  source: MetricsSource,
  options: { processMetrics?: boolean } = {},
): Registry {
  const registry = new Registry();
  const staleAfterMs = source.staleAfterMs ?? loadReportConfig({}).staleAfterMs;
  let pending: Promise<Snapshot> | undefined;
  // Every metric's collect runs within one scrape: they share one read of Redis.
  const snapshot = () => {
    pending ??= readSnapshot(source, staleAfterMs).finally(() => {
      pending = undefined;
    });
    return pending;
  };

  new Gauge({
    name: 'ncp_cache_export_jobs',
    help: 'Export jobs per state, on queue cache-export.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { jobs } = await snapshot();
      for (const state of JOB_STATES) this.set({ state }, jobs[state] ?? 0);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_outcomes_retained',
    help: 'Outcome records kept on queue cache-export-results.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).outcomesRetained);
    },
  });
  new Counter({
    name: 'ncp_cache_export_outcomes_total',
    help: 'Exports finished for good, by status and error kind (none for successes).',
    labelNames: ['status', 'error_kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries((await snapshot()).counters)) {
        const [type, status, kind] = field.split('|');
        if (type === 'o' && status && kind) this.inc({ status, error_kind: kind }, Number(value));
      }
    },
  });
  new Counter({
    name: 'ncp_cache_export_discovery_outcomes_total',
    help: 'Discoveries finished for good, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries((await snapshot()).counters)) {
        const [type, status] = field.split('|');
        if (type === 'd' && status) this.inc({ status }, Number(value));
      }
    },
  });
  new Counter({
    name: 'ncp_cache_export_outcome_repeats_total',
    help: 'Finishes of a job whose record was already written (kept, never replaced), by record kind.',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries((await snapshot()).counters)) {
        const [type, kind] = field.split('|');
        if (type === 'r' && kind) this.inc({ kind }, Number(value));
      }
    },
  });
  new Counter({
    name: 'ncp_cache_export_ncp_throttled_total',
    help: 'NCP calls answered 429 (throttled), by api.',
    labelNames: ['api'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [field, value] of Object.entries((await snapshot()).counters)) {
        const [type, api] = field.split('|');
        if (type === 't' && api) this.inc({ api }, Number(value));
      }
    },
  });
  registry.registerMetric(
    callLatencyHistogram(async () => (await snapshot()).counters) as unknown as Metric,
  );
  new Gauge({
    name: 'ncp_cache_export_rate_calls_last_second',
    help: 'NCP calls granted by the global rate limiter within the last second.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).throttle.callsLastSecond);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_throttle_pause_seconds',
    help: 'Remaining global pause after NCP throttled (0 when calls flow).',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).throttle.pausedForMs / 1000);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_throttle_strikes',
    help: '429s in a row without Retry-After; sets the length of the adaptive pause.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).throttle.strikes);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_rate_limit_learned',
    help: 'Calls per second in force after NCP throttled, learned from what it accepted; absent while the configured limit is in force.',
    registers: [registry],
    async collect() {
      this.reset();
      const { limitInForce } = (await snapshot()).throttle;
      if (limitInForce !== undefined) this.set(limitInForce);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_auth_paused',
    help: '1 while repeated NCP auth errors pause every worker (see status), else 0.',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).throttle.authPause ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_workers',
    help: 'Worker processes connected to queue cache-export.',
    registers: [registry],
    async collect() {
      const { workers } = await snapshot();
      if (workers !== undefined) this.set(workers);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_instances',
    help: 'Instances with at least one export recorded (api, region, instance).',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).coverage.instances);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_instances_stale',
    help: 'Instances without a successful export within REPORT_STALE_AFTER (never exported included).',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).coverage.stale);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_stale_after_seconds',
    help: 'REPORT_STALE_AFTER: how old a last successful export may be before its instance is stale.',
    registers: [registry],
    collect() {
      this.set(staleAfterMs / 1000);
    },
  });
  new Gauge({
    name: 'ncp_cache_export_oldest_success_age_seconds',
    help: 'Age of the oldest last successful export among instances exported at least once.',
    registers: [registry],
    async collect() {
      const { coverage, now } = await snapshot();
      if (coverage.oldestSuccessMs === undefined) this.reset();
      else this.set(Math.max(0, (now - coverage.oldestSuccessMs) / 1000));
    },
  });
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client names these gauges `_total`, which Prometheus keeps for counters
    // (`promtool check metrics` rejects them); each is the sum of its `nodejs_active_*` gauge.
    for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}

const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

async function readSnapshot(source: MetricsSource, staleAfterMs: number): Promise<Snapshot> {
  const [seconds, micros] = await source.redis.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const [jobs, results, counters, throttle, workers, coverage] = await Promise.all([
    source.exportQueue.getJobCounts(...JOB_STATES),
    source.ledger.retained(),
    source.redis.hgetall(metricsKey(source.prefix)),
    readThrottleState(source.redis, limiterKeys(source.prefix)),
    // CLIENT LIST may be disabled (managed Redis): report no value rather than fail.
    source.exportQueue.getWorkersCount().catch(() => undefined),
    source.ledger.coverage(now - staleAfterMs),
  ]);
  return {
    jobs,
    outcomesRetained: results,
    counters,
    throttle,
    workers,
    coverage,
    now,
  };
}

/** What prom-client's registry reads from a metric when it renders it. */
interface RenderedMetric {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: MetricValueWithName<string>[];
}

/**
 * `ncp_cache_export_ncp_call_duration_seconds`: a histogram whose buckets live in Redis.
 * prom-client's Histogram only counts observations made in-process, so this is the one
 * metric built by hand, in the shape prom-client's registry renders.
 */
function callLatencyHistogram(read: () => Promise<Record<string, string>>) {
  const name = 'ncp_cache_export_ncp_call_duration_seconds';
  const help = 'NCP call latency, from sending to the full answer, by api and HTTP status.';
  return {
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    reset() {},
    async get(): Promise<RenderedMetric> {
      const series = new Map<string, { counts: number[]; sum: number }>();
      const entry = (api: string, status: string) => {
        const key = `${api}|${status}`;
        let found = series.get(key);
        if (!found) {
          found = { counts: Array(CALL_LATENCY_BUCKETS.length + 1).fill(0), sum: 0 };
          series.set(key, found);
        }
        return found;
      };
      for (const [field, value] of Object.entries(await read())) {
        const [type, api, status, bucket] = field.split('|');
        if (!api || !status) continue;
        if (type === 'c' && bucket) entry(api, status).counts[Number(bucket)]! += Number(value);
        if (type === 's') entry(api, status).sum += Number(value);
      }
      const values: MetricValueWithName<string>[] = [];
      for (const [key, { counts, sum }] of [...series].sort(([a], [b]) => a.localeCompare(b))) {
        const [api, status] = key.split('|') as [string, string];
        const labels = { api, http_status: status };
        let cumulative = 0;
        counts.forEach((count, i) => {
          cumulative += count;
          const le = i < CALL_LATENCY_BUCKETS.length ? String(CALL_LATENCY_BUCKETS[i]) : '+Inf';
          values.push({
            metricName: `${name}_bucket`,
            labels: { ...labels, le },
            value: cumulative,
          });
        });
        values.push({ metricName: `${name}_sum`, labels, value: sum });
        values.push({ metricName: `${name}_count`, labels, value: cumulative });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}
