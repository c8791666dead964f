/**
 * The whole pipeline on a real three-node Redis Cluster with QUEUE_PREFIX={...}: the HTTP
 * service enqueues, a worker in this process and a worker process share the global rate
 * limit, outcomes, metrics, retries and CLI commands work, and every key sits in one slot.
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportProducer } from '../../producer/producer.ts';
import {
  loadJobPolicy,
  loadNcpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import type { Outcome } from '../../shared/contract.ts';
import { limiterKeys } from '../../shared/limiter-keys.ts';
import { type ExportWorker, startExportWorker } from '../../worker/export-worker.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  startEmulator,
} from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { requestsFromSeed } from '../helpers/pipeline.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { waitFor } from '../helpers/redis.ts';
import { type LocalCluster, startRedisCluster } from '../helpers/redis-cluster.ts';

const RATE = 20;
const TOKEN = 'cluster-token-9d8c7b6a';
const seed = generateSeed({ instances: 20, systemBackups: 2 });

describe('on a Redis Cluster', () => {
  const prefix = `{test-cluster-${randomBytes(3).toString('hex')}}`;
  let cluster: LocalCluster;
  let emulator: Emulator;
  let service: TestService;
  let workers: ExportWorker[] = [];
  let env: Record<string, string>;
  let observer: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    emulator = await startEmulator({ seed, latencyMs: 5 });
    // One seed node: the others are discovered.
    env = { REDIS_CLUSTER_NODES: cluster.nodes[0]!, QUEUE_PREFIX: prefix, NCP_REGION: 'KR' };
    service = await startTestService({ ...env, API_TOKEN: TOKEN, EXPORT_MAX_ATTEMPTS: '2' });
    observer = new Cluster(
      cluster.nodes.map((node) => ({
        host: node.split(':')[0]!,
        port: Number(node.split(':')[1]),
      })),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await service?.close();
    observer?.disconnect();
    await emulator?.close();
    await cluster?.stop();
  });

  it('runs every export once, within the global rate limit', async () => {
    const workerEnv = {
      ...env,
      NCP_ACCESS_KEY: DEFAULT_CREDENTIALS.accessKey,
      NCP_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey,
      NCP_API_URL: emulator.url,
      NCP_RATE_LIMIT: String(RATE),
      WORKER_CONCURRENCY: '8',
      EXPORT_BACKOFF_BASE_MS: '50',
      EXPORT_BACKOFF_MAX_MS: '400',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    // Two workers, each with its own cluster connections, sharing one limiter in Redis. (In this
    // process: a worker process would load the two cores that pipeline.test.ts measures on.)
    workers = [1, 2].map(() =>
      startExportWorker({
        ncp: loadNcpConfig(workerEnv),
        redis: loadRedisConfig(workerEnv),
        worker: loadWorkerConfig(workerEnv),
        policy: loadJobPolicy(workerEnv),
        logger: pino({ level: 'silent' }),
      }),
    );
    const calls = watchCalls(observer, limiterKeys(prefix).calls);
    const requests = [
      ...requestsFromSeed(seed),
      { api: 'vredis', instanceNo: '999999', fileName: 'x', bucketName: seed.buckets[0] },
    ];
    const enqueued = await call(service.url, '/v1/exports', { token: TOKEN, body: requests });
    expect(enqueued.json).toMatchObject({ added: 41, duplicates: 0 });
    const again = await call(service.url, '/v1/exports', {
      token: TOKEN,
      body: requests.slice(0, 5),
    });
    expect(again.json).toMatchObject({ added: 0, duplicates: 5 });

    const metric = async (labels: Record<string, string>) =>
      sampleValue(
        parsePrometheus((await call(service.url, '/metrics')).text),
        'ncp_cache_export_outcomes_total',
        labels,
      ) ?? 0;
    await waitFor(
      '41 outcomes in the metrics',
      async () =>
        (await metric({ status: 'succeeded', error_kind: 'none' })) === 40 &&
        (await metric({ status: 'failed', error_kind: 'invalid' })) === 1,
      20_000,
      250,
    );

    const stats = emulator.stats();
    expect(stats.accepted).toBe(40);
    expect(stats.duplicates).toBe(0);
    // The limiter's own record, on Redis' clock: when each call was sent. (The emulator's
    // arrival times would also measure its event loop, which lags on two busy cores.)
    const sent = [...(await calls.stop()).values()].sort((a, b) => a - b);
    expect(sent).toHaveLength(41);
    expect(maxInAnySecond(sent)).toBeLessThanOrEqual(RATE);
    // Held back: 41 calls at 20 per second take more than a second (unlimited: ~0.1 s).
    expect(sent.at(-1)! - sent[0]!).toBeGreaterThan(1000);
  });

  it('serves outcomes, job state and re-runs', async () => {
    const outcomes: Outcome[] = [];
    let cursor = '';
    do {
      const page = (await call(service.url, `/v1/outcomes?limit=25${cursor}`, { token: TOKEN }))
        .json as {
        items: Outcome[];
        nextCursor: string | null;
      };
      outcomes.push(...page.items);
      cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
    } while (cursor);
    expect(outcomes).toHaveLength(41);
    const failed = outcomes.find((o) => o.status === 'failed')!;
    expect(failed.error).toMatchObject({ kind: 'invalid' });

    const job = await call(service.url, `/v1/exports/${outcomes[0]!.jobId}`, { token: TOKEN });
    expect(job.json).toMatchObject({ state: 'completed', outcome: { status: 'succeeded' } });
    // `results --follow` reads the event stream through QueueEvents, on the cluster too.
    const producer = await ExportProducer.connect({
      redis: loadRedisConfig(env),
      policy: loadJobPolicy(env),
    });
    const stop = new AbortController();
    const followed: string[] = [];
    const from = await producer.ledger.position();
    const following = (async () => {
      for await (const o of producer.ledger.followExportOutcomes({}, stop.signal, from)) {
        followed.push(o.jobId);
      }
    })();
    const retry = await call(service.url, `/v1/exports/${failed.jobId}/retry`, {
      method: 'POST',
      token: TOKEN,
    });
    expect(retry.json).toEqual({ failedJobId: failed.jobId, jobId: `${failed.jobId}~r1` });
    await waitFor('the re-run outcome, followed', () => followed.length > 0);
    stop.abort();
    await following;
    await producer.close();
    expect(followed).toEqual([`${failed.jobId}~r1`]);

    const status = await runCli(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ workers: 2 });
    const cli = await runCli(
      ['enqueue', '--api', 'vcache', '--instance', '5', '--file', 'f', '--bucket', 'bbb'],
      env,
    );
    expect([cli.code, cli.stdout]).toEqual([0, 'vcache~KR~5~SYSTEM~f~bbb\n']);
  });

  it('keeps every key of the prefix in one hash slot', async () => {
    const perNode = await Promise.all(
      observer.nodes('master').map(async (node) => (await node.keys(`${prefix}*`)).length),
    );
    expect(perNode).toHaveLength(3);
    expect(perNode.filter((count) => count > 0)).toHaveLength(1);
    expect(perNode.reduce((a, b) => a + b, 0)).toBeGreaterThan(40);
  });
});

/** Polls the limiter's log of calls (member: sent time) until stopped; returns every call seen. */
function watchCalls(client: Cluster, key: string) {
  const seen = new Map<string, number>();
  let polling = true;
  const loop = (async () => {
    while (polling) {
      const flat = await client.zrange(key, 0, -1, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) seen.set(flat[i]!, Number(flat[i + 1]));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      polling = false;
      await loop;
      return seen;
    },
  };
}

/** The most times (ms) that fall within any one second. */
function maxInAnySecond(times: readonly number[]): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}
