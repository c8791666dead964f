/**
 * The shipped Prometheus rules and Grafana dashboard (deploy/), checked by promtool: the rules
 * parse, their unit tests pass, a real /metrics answer of `serve` passes `promtool check
 * metrics`, and every metric the rules and dashboard use is in that answer.
 *
 * promtool comes with Debian's `prometheus` package (.ci/run installs it). Without it the
 * tests fail in CI (CI=true) and are skipped elsewhere. `npm run check:prometheus` runs this file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../shared/ledger/index.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

const deploy = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));
const RULES = deploy('prometheus/alerts.yml');
const RULE_TESTS = deploy('prometheus/alerts.test.yml');
const DASHBOARD = deploy('grafana/ncp-cache-export.json');

const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const havePromtool = found.status === 0;
const inCi = process.env.CI === 'true';

function promtool(args: string[], input?: string): string {
  const run = spawnSync('promtool', args, { encoding: 'utf8', input });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

/** Metric names in PromQL expressions: `ncp_cache_export_*` identifiers. */
function metricNames(text: string): Set<string> {
  return new Set(text.match(/\bncp_cache_export_[a-z_]+/g) ?? []);
}

describe.runIf(!havePromtool && inCi)('promtool in CI', () => {
  it('is installed', () => {
    throw new Error(
      "promtool is not installed: CI checks the Prometheus rules with it. Install Debian's prometheus package (apt-get install prometheus); .ci/run does when it is missing",
    );
  });
});

describe.runIf(havePromtool)('Prometheus rules and Grafana dashboard (promtool)', () => {
  const redis = testRedisConfig('promtool');
  let service: TestService;
  let metrics: string;

  beforeAll(async () => {
    service = await startTestService(
      { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix },
      {
        auth: false,
      },
    );
    // One success and one failure, so labelled series exist.
    const connection = new Redis(redis.url);
    const policy = { keepCompletedSeconds: 60, keepFailedSeconds: 60 };
    const ledger = new Ledger({ connection, prefix: redis.prefix, policy });
    const finishedAt = new Date().toISOString();
    await ledger.recordExport(exportOutcome({ jobId: 'p1', status: 'succeeded', finishedAt }));
    await ledger.recordExport(
      exportOutcome({ jobId: 'p2', status: 'failed', instanceNo: '2', finishedAt, kind: 'auth' }),
    );
    await ledger.close();
    connection.disconnect();
    const answer = await call(service.url, '/metrics');
    expect(answer.status).toBe(200);
    metrics = answer.text;
  });

  afterAll(async () => {
    await service?.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('checks the alert rules', () => {
    expect(promtool(['check', 'rules', RULES])).toContain('SUCCESS: 6 rules found');
  });

  it("passes the rules' unit tests", () => {
    expect(promtool(['test', 'rules', RULE_TESTS])).toContain('SUCCESS');
  });

  it('finds nothing to fix in a real /metrics answer', () => {
    expect(promtool(['check', 'metrics'], metrics)).toBe('');
  });

  it('uses only metrics that /metrics serves', () => {
    // Families as /metrics declares them (# TYPE name type), whether or not they have samples.
    const types = new Map(
      [...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const served = (name: string) => {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      return types.has(name) || types.get(family) === 'histogram';
    };
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = new Set([
      ...metricNames(readFileSync(RULES, 'utf8')),
      ...metricNames(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n')),
    ]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !served(name))).toEqual([]);
  });
});
