/**
 * `ncp-cache-export worker`: starts the process's workers and runs until SIGTERM or SIGINT;
 * how it then ends is `shutdown.ts`.
 */

import {
  loadJobPolicy,
  loadLogConfig,
  loadNcpConfig,
  loadNotifyConfig,
  loadRedisConfig,
  loadReportConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import { TRACING_DEFAULTS } from '../../shared/defaults.ts';
import { describeRedis } from '../../shared/redis.ts';
import { startTracing, stopTracing } from '../../shared/tracing.ts';
import { type ProcessSignals, runUntilSignalled } from '../../worker/shutdown.ts';
import type { CliIo, Register } from '../context.ts';
import { packageVersion } from '../version.ts';

export const registerWorker: Register = (program, io, setExitCode) => {
  program
    .command('worker')
    .description('take export jobs and call NCP under the global rate limit, until SIGTERM')
    .action(async () => {
      setExitCode(await runWorker(io));
    });
};

export async function runWorker(io: CliIo, signals?: ProcessSignals): Promise<number> {
  const ncp = loadNcpConfig(io.env);
  const redis = loadRedisConfig(io.env);
  const config = loadWorkerConfig(io.env);
  const policy = loadJobPolicy(io.env);
  const report = loadReportConfig(io.env);
  const notify = loadNotifyConfig(io.env);
  // Loaded here, not at the top: the producer commands never pay for the worker's modules.
  const [{ createLogger }, { startExportWorker }] = await Promise.all([
    import('../../shared/logger.ts'),
    import('../../worker/export-worker.ts'),
  ]);
  const logger = createLogger(loadLogConfig(io.env), 'ncp-cache-export-worker', io.stdout);
  // Off unless OTEL_* asks for it: then it loads the SDK before the worker is built.
  const tracing = await startTracing(io.env, TRACING_DEFAULTS.workerService, {
    serviceVersion: packageVersion(),
    onError: (error, unsaid) =>
      logger.warn({ error: error.message, unsaid }, 'traces: the collector did not take spans'),
  });

  const handle = startExportWorker({
    ncp,
    redis,
    worker: config,
    policy,
    logger,
    report,
    notify,
  });
  logger.info(
    {
      queue: EXPORT_QUEUE,
      prefix: redis.prefix,
      redis: describeRedis(redis),
      ncpApiUrl: ncp.apiUrl,
      concurrency: config.concurrency,
      rateLimit: config.rateLimit ?? 'off',
      window: handle.limiter.window,
      // The webhook's origin only: the rest of its URL often holds a token.
      notify: notify ? new URL(notify.webhookUrl).origin : 'off',
      // The collector's origin only, as for the webhook.
      traces: tracing ? new URL(tracing.config.url).origin : 'off',
    },
    'worker started',
  );

  // Spans still buffered are sent once the workers have stopped.
  const workers = {
    close: () => handle.close().then(() => stopTracing()),
    abandon: () => handle.abandon(),
  };
  return runUntilSignalled(workers, {
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    ...(signals ? { signals } : {}),
  });
}
