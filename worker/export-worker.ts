/**
 * Assembles one worker process: a BullMQ worker on `cache-export`, the shared rate limiter,
 * the NCP client and the outcome store, and closes them in order. The same process also runs
 * discovery jobs (`cache-export-discovery`) under the same rate limiter and client.
 */

import { Queue, Worker } from 'bullmq';
import {
  type JobPolicy,
  loadReportConfig,
  type NcpConfig,
  type NotifyConfig,
  type RedisConfig,
  type ReportConfig,
  siteRegion,
  type WorkerConfig,
} from '../shared/config.ts';
import { EXPORT_QUEUE, RESULTS_QUEUE } from '../shared/contract.ts';
import { DEFAULTS } from '../shared/defaults.ts';
import { Ledger } from '../shared/ledger/index.ts';
import { limiterKeys } from '../shared/limiter-keys.ts';
import type { Logger } from '../shared/logger.ts';
import { createMetricsRegistry } from '../shared/metrics.ts';
import { createNcpClient } from '../shared/ncp/index.ts';
import { createRedis } from '../shared/redis.ts';
import { AuthBreaker, watchAuthPause } from './auth-breaker.ts';
import { authProbe } from './auth-probe.ts';
import type { ListClient } from './discovery/processor.ts';
import { type DiscoveryWorker, startDiscoveryWorker } from './discovery/worker.ts';
import { Finisher, finishFailedJobs } from './finish.ts';
import { instrumentClient, MetricsRecorder } from './metrics.ts';
import { type MetricsServer, startMetricsServer } from './metrics-server.ts';
import { Notifier } from './notify/notifier.ts';
import { startOutcomeRetention } from './outcome-retention.ts';
import { createExportProcessor, type ExportClient, type ExportResult } from './processor.ts';
import { RateLimiter } from './rate-limit.ts';
import { UnlimitedCalls } from './unlimited.ts';
import { sharedWorkerOptions } from './worker-options.ts';

export interface ExportWorkerOptions {
  ncp: NcpConfig;
  redis: RedisConfig;
  worker: WorkerConfig;
  policy: JobPolicy;
  logger: Logger;
  /** REPORT_STALE_AFTER, for the coverage metrics. @defaultValue 26 h */
  report?: ReportConfig;
  /** Webhook notifications; none when undefined. */
  notify?: NotifyConfig | undefined;
  /** Replaces the NCP client (tests). */
  client?: ExportClient & ListClient & { close?(): Promise<void> };
}

export interface ExportWorker {
  readonly worker: Worker<unknown, ExportResult>;
  readonly limiter: RateLimiter | UnlimitedCalls;
  /** The discovery worker sharing this process's limiter and client. */
  readonly discovery: DiscoveryWorker;
  /** Webhook notifications, when NOTIFY_WEBHOOK_URL is set. */
  readonly notifier: Notifier | undefined;
  /** The metrics endpoint, when METRICS_PORT is set and it could listen. */
  readonly metrics: Promise<MetricsServer | undefined>;
  /**
   * Stops taking jobs, hands back jobs still waiting for their turn, lets calls in flight
   * finish, then closes every connection. With `force`, active jobs are abandoned to
   * stalled-job recovery.
   */
  close(force?: boolean): Promise<void>;
  /** Every worker of the process (exports, discovery) drops its active jobs at once. */
  abandon(): Promise<void>;
}

export function startExportWorker(options: ExportWorkerOptions): ExportWorker {
  const { redis: redisConfig, worker: config, policy, logger } = options;
  const connection = createRedis(redisConfig, 'worker');
  connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));

  const limiter =
    config.rateLimit === undefined
      ? new UnlimitedCalls(config.retryAfterMaxMs)
      : new RateLimiter(connection, {
          callsPerSecond: config.rateLimit,
          queuePrefix: redisConfig.prefix,
          guardMs: config.rateGuardMs,
          burst: config.rateBurst,
          retryAfterMaxMs: config.retryAfterMaxMs,
          reserveMs: options.ncp.timeoutMs + 1000,
        });
  const auth = new AuthBreaker(connection, limiterKeys(redisConfig.prefix), {
    accessKeyId: options.ncp.accessKey,
    threshold: config.authPauseAfter,
  });
  const exportQueue = new Queue(EXPORT_QUEUE, { connection, prefix: redisConfig.prefix });
  exportQueue.on('error', (error) =>
    logger.warn({ err: error, queue: EXPORT_QUEUE }, 'export queue error'),
  );
  let notifier: Notifier | undefined;
  const ledger = new Ledger({
    connection,
    prefix: redisConfig.prefix,
    policy,
    onRecord: (kind, record) => notifier?.recorded(kind, record),
  });
  if (options.notify) {
    notifier = new Notifier({
      config: options.notify,
      redis: redisConfig,
      connection,
      ledger,
      staleAfterMs: options.report?.staleAfterMs ?? loadReportConfig({}).staleAfterMs,
      logger,
    }).start();
  }
  ledger.queue.on('error', (error) =>
    logger.warn({ err: error, queue: RESULTS_QUEUE }, 'results queue error'),
  );
  const finisher = new Finisher({ ledger, redis: connection, prefix: redisConfig.prefix, logger });
  const recorder = new MetricsRecorder(connection, redisConfig.prefix, logger);
  const stopRetention = startOutcomeRetention(ledger, policy.keepOutcomesSeconds, logger);
  const client = options.client ?? createNcpClient(options.ncp);
  const shutdown = new AbortController();

  const counted = instrumentClient(client, recorder);
  const processor = createExportProcessor({
    client: counted,
    limiter,
    outcomes: finisher.exportStore(),
    logger,
    defaultRegion: options.ncp.region,
    throttleMaxWaitMs: config.throttleMaxWaitMs,
    shutdown: shutdown.signal,
    auth,
  });

  const discovery = startDiscoveryWorker({
    redis: redisConfig,
    connection,
    worker: config,
    policy,
    logger,
    limiter,
    client: counted,
    outcomes: finisher.discoveryStore(),
    // Discoveries enqueue exports: their regions must be the ones producers resolve.
    defaultRegion: options.ncp.region ?? siteRegion(options.ncp.apiUrl),
    shutdown: shutdown.signal,
  });

  // The worker's own connection: BullMQ duplicates it for the blocking fetch of the next job.
  const workerConnection = createRedis(redisConfig, 'worker');
  workerConnection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const worker = new Worker<unknown, ExportResult>(
    EXPORT_QUEUE,
    processor,
    sharedWorkerOptions(workerConnection, redisConfig, config, policy, config.concurrency),
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  const stopAuthWatch = watchAuthPause({
    breaker: auth,
    probe: () => authProbe(client, limiter, options.ncp.region, logger, shutdown.signal),
    pauseJobs: () => void worker.pause(true),
    resumeJobs: () => worker.resume(),
    logger,
    probeEveryMs: config.authProbeIntervalMs,
  });
  worker.on('stalled', (jobId) =>
    logger.warn({ jobId }, 'job stalled: its worker stopped renewing the lock; it runs again'),
  );
  const stopFinishing = finishFailedJobs(finisher, logger, config.stalledIntervalMs, [
    { kind: 'export', worker, queue: exportQueue },
    { kind: 'discovery', worker: discovery.worker, queue: discovery.queue },
  ]);

  const metrics =
    config.metricsPort === undefined
      ? Promise.resolve(undefined)
      : startMetricsServer(
          createMetricsRegistry({
            redis: connection,
            prefix: redisConfig.prefix,
            exportQueue,
            ledger,
            staleAfterMs: options.report?.staleAfterMs,
          }),
          { port: config.metricsPort, host: config.metricsHost ?? DEFAULTS.metricsHost, logger },
        ).catch((error: unknown) => {
          logger.error({ err: error, port: config.metricsPort }, 'metrics server could not start');
          return undefined;
        });

  let closing: Promise<void> | undefined;
  return {
    worker,
    limiter,
    discovery,
    notifier,
    metrics,
    abandon() {
      return Promise.all([worker.close(true), discovery.close(true)]).then(() => {});
    },
    close(force = false) {
      closing ??= (async () => {
        shutdown.abort(new Error('worker is shutting down'));
        stopRetention();
        stopAuthWatch();
        await (await metrics)?.close();
        await Promise.all([worker.close(force), discovery.close(force)]);
        await stopFinishing();
        await notifier?.close();
        await recorder.flush();
        await Promise.all([ledger.close(), exportQueue.close()]);
        await client.close?.();
        for (const redis of [connection, workerConnection]) {
          await redis.quit().catch(() => redis.disconnect());
        }
      })();
      return closing;
    },
  };
}
