/**
 * `ncp-cache-export worker`: runs until SIGTERM or SIGINT, then shuts down gracefully:
 * stop taking jobs, hand back jobs still waiting for their turn, let calls in flight finish,
 * close connections, exit 0. If that takes longer than SHUTDOWN_TIMEOUT_MS (or a second
 * signal arrives), active jobs are abandoned to stalled-job recovery and the exit code is 1.
 */

import type { CliIo } from '../cli/context.ts';
import type { Register } from '../cli/main.ts';
import { packageVersion } from '../cli/version.ts';
import {
  loadJobPolicy,
  loadLogConfig,
  loadNcpConfig,
  loadNotifyConfig,
  loadRedisConfig,
  loadReportConfig,
  loadWorkerConfig,
} from '../shared/config.ts';
import { EXPORT_QUEUE } from '../shared/contract.ts';
import { TRACING_DEFAULTS } from '../shared/defaults.ts';
import { describeRedis } from '../shared/redis.ts';
import { startTracing, stopTracing } from '../shared/tracing.ts';

export const registerWorker: Register = (program, io, setExitCode) => {
  program
    .command('worker')
    .description('take export jobs and call NCP under the global rate limit, until SIGTERM')
    .action(async () => {
      setExitCode(await runWorker(io));
    });
};

export async function runWorker(io: CliIo, signals = process): Promise<number> {
  const ncp = loadNcpConfig(io.env);
  const redis = loadRedisConfig(io.env);
  const config = loadWorkerConfig(io.env);
  const policy = loadJobPolicy(io.env);
  const report = loadReportConfig(io.env);
  const notify = loadNotifyConfig(io.env);
  // Loaded here, not at the top: the producer commands never pay for the worker's modules.
  const [{ createLogger }, { startExportWorker }] = await Promise.all([
    import('../shared/logger.ts'),
    import('./export-worker.ts'),
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

  return new Promise<number>((resolve) => {
    let stopping = false;
    let finished = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: abandoning active jobs to stalled-job recovery');
        void forceStop();
        return;
      }
      stopping = true;
      logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
      const timer = setTimeout(() => {
        logger.warn('shutdown timed out: abandoning active jobs to stalled-job recovery');
        void forceStop();
      }, config.shutdownTimeoutMs);
      handle
        .close()
        .then(() => stopTracing())
        .then(
          () => {
            clearTimeout(timer);
            logger.info('worker stopped');
            done(0);
          },
          (error: unknown) => {
            clearTimeout(timer);
            logger.error({ err: error }, 'error while shutting down');
            done(1);
          },
        );
    };
    const forceStop = async () => {
      await handle.worker.close(true).catch(() => {});
      done(1);
    };
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
      signals.off('uncaughtException', onCrash);
      signals.off('unhandledRejection', onCrash);
      logger.flush();
      resolve(code);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    // Last resort: say what happened in the log before dying. Jobs this process held come
    // back through stalled-job recovery, as after any crash.
    const onCrash = (error: unknown) => {
      logger.fatal({ err: error }, 'uncaught error: exiting; active jobs will be recovered');
      logger.flush();
      signals.exit(1);
    };
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);
    signals.on('uncaughtException', onCrash);
    signals.on('unhandledRejection', onCrash);
  });
}
