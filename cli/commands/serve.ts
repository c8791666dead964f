/**
 * `ncp-cache-export serve`: the HTTP service, until SIGTERM or SIGINT. Without a token
 * (API_TOKEN or API_TOKEN_FILE) it refuses to start, unless told `--no-auth` and bound to
 * loopback.
 */
import type { FastifyInstance } from 'fastify';
import { ExportProducer } from '../../producer/producer.ts';
import {
  type HttpConfig,
  loadExportRegion,
  loadHttpConfig,
  loadJobPolicy,
  loadLogConfig,
  loadRedisConfig,
  loadReportConfig,
} from '../../shared/config.ts';
import { describeRedis } from '../../shared/redis.ts';
import { stopTracing } from '../../shared/tracing.ts';
import { isLoopback } from '../../shared/urls.ts';
import { CliError, type CliIo, EXIT, type Register } from '../context.ts';
import { startProducerTracing } from '../lib/common.ts';
import { packageVersion } from '../version.ts';

export const registerServe: Register = (program, io, setExitCode) => {
  program
    .command('serve')
    .description('HTTP intake for other systems, metrics and the queue dashboard, until SIGTERM')
    .option('--no-auth', 'run without a token; only allowed with HOST=127.0.0.1 (or ::1)')
    .action(async (flags: { auth: boolean }) => {
      setExitCode(await runServe(io, { auth: flags.auth }));
    });
};

/** A running service, for tests: its address, and how to stop it. */
export interface RunningService {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Checks the authentication settings: a token, or --no-auth on loopback. */
export function checkAuth(http: HttpConfig, auth: boolean): void {
  if (auth && !http.apiToken) {
    throw new CliError(
      'serve: no API_TOKEN (or API_TOKEN_FILE) set; refusing to serve without authentication (for local use: --no-auth with HOST=127.0.0.1)',
      EXIT.badInput,
    );
  }
  if (!auth && http.apiToken) {
    throw new CliError('serve: --no-auth given while API_TOKEN is set; drop one', EXIT.badInput);
  }
  if (!auth && !isLoopback(http.host)) {
    throw new CliError(
      `serve: --no-auth only on a loopback address, and HOST is ${http.host}; set HOST=127.0.0.1`,
      EXIT.badInput,
    );
  }
}

/** Starts the service from the environment; resolves once it listens. */
export async function startService(io: CliIo, options: { auth: boolean }): Promise<RunningService> {
  const http = loadHttpConfig(io.env);
  const redis = loadRedisConfig(io.env);
  const policy = loadJobPolicy(io.env);
  const report = loadReportConfig(io.env);
  checkAuth(http, options.auth);
  // The HTTP stack (Fastify, bull-board) is loaded by `serve` only: other commands start faster.
  const [{ createLogger }, { buildHttpApp }, tracing] = await Promise.all([
    import('../../shared/logger.ts'),
    import('../../producer/http/app.ts'),
    startProducerTracing(io),
  ]);
  const logger = createLogger(loadLogConfig(io.env), 'ncp-cache-export-serve', io.stdout);
  const producer = await ExportProducer.connect({
    redis,
    policy,
    defaultRegion: loadExportRegion(io.env),
    onError: (error) => logger.warn({ err: error }, 'redis connection error'),
  });
  let app: FastifyInstance;
  try {
    app = await buildHttpApp({
      producer,
      prefix: redis.prefix,
      http,
      logger,
      version: packageVersion(),
      staleAfterMs: report.staleAfterMs,
    });
    await app.listen({ port: http.port, host: http.host });
  } catch (error) {
    await producer.close();
    throw error;
  }
  const { port } = app.server.address() as { port: number };
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info(
    { url, redis: describeRedis(redis), prefix: redis.prefix, auth: options.auth, ui: `${url}/ui` },
    'serving',
  );
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    close() {
      closing ??= (async () => {
        await app.close();
        await producer.close();
        if (tracing) await stopTracing();
        logger.info('stopped');
        logger.flush();
      })();
      return closing;
    },
  };
}

export async function runServe(
  io: CliIo,
  options: { auth: boolean },
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const service = await startService(io, options);
  return new Promise<number>((resolve) => {
    const stop = () => {
      signals.off('SIGTERM', stop);
      signals.off('SIGINT', stop);
      service.close().then(
        () => resolve(EXIT.ok),
        () => resolve(EXIT.failure),
      );
    };
    signals.on('SIGTERM', stop);
    signals.on('SIGINT', stop);
  });
}
