/**
 * The HTTP service: other systems enqueue exports and read how they went; operators get
 * health, readiness, metrics and the queue dashboard. It only enqueues and reads, through an
 * {@link ExportProducer}; workers do the exports.
 */
import { createServer } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { HttpConfig } from '../../shared/config.ts';
import { DEFAULTS } from '../../shared/defaults.ts';
import type { Logger } from '../../shared/logger.ts';
import { createMetricsRegistry } from '../../shared/metrics.ts';
import { openDiscoveryQueue } from '../discovery.ts';
import type { ExportProducer } from '../producer.ts';
import { requireToken } from './auth.ts';
import { registerDocs } from './docs.ts';
import { exportRoutes } from './export-routes.ts';
import { jsonBodyParser } from './json-body.ts';
import { buildOpenApi } from './openapi.ts';
import { outcomeRoutes } from './outcome-routes.ts';
import { registerPage } from './page/routes.ts';
import {
  isRedisUnavailable,
  redisAvailability,
  SERVICE_UNAVAILABLE,
} from './redis-availability.ts';
import { registerRoutes } from './route.ts';
import { systemRoutes } from './system-routes.ts';
import { registerUi, UI_PATH } from './ui.ts';
import { RequestValidationError, zodValidatorCompiler } from './validation.ts';

export interface HttpAppOptions {
  producer: ExportProducer;
  /** The queues' key prefix (QUEUE_PREFIX), for the metrics. */
  prefix: string;
  http: Pick<HttpConfig, 'apiToken' | 'bodyLimitBytes' | 'uiAllowRetry'> &
    Partial<Pick<HttpConfig, 'requestTimeoutMs'>>;
  logger: Logger;
  /** Shown in the OpenAPI document. */
  version: string;
  /** REPORT_STALE_AFTER, for the coverage metrics. @defaultValue 26 h */
  staleAfterMs?: number | undefined;
}

/** Routes polled by machines: logged at debug level only. */
const QUIET = /^\/(healthz|readyz|metrics|page\/style\.css)$|^\/(ui|docs)\/static\//;

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { producer, http, logger } = options;
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: http.bodyLimitBytes,
    // A client that trickles its request (slowloris) gets 408 and loses the connection; Node
    // looks for such clients every quarter of the timeout (its default is every 30 s).
    serverFactory: (handler) => {
      const requestTimeout = http.requestTimeoutMs ?? DEFAULTS.httpRequestTimeoutMs;
      return createServer(
        { requestTimeout, connectionsCheckingInterval: Math.max(50, requestTimeout / 4) },
        handler,
      );
    },
    // Requests are logged once, when answered (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  // JSON only (a text/plain body gets 415), parsed by the producer's strict JSON: a key named
  // twice is refused by name, and __proto__ is plain data the contract then refuses by name.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RequestValidationError) {
      const nothing = request.method === 'POST' ? '; nothing was enqueued' : '';
      return reply.code(400).send({
        error: { code: error.code, message: `${error.message}${nothing}`, issues: error.issues },
      });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const type = request.headers['content-type'] ?? 'none';
      const message = `Content-Type ${JSON.stringify(type)} is not accepted; send application/json`;
      return reply.code(415).send({ error: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE', message } });
    }
    if (isRedisUnavailable(error, producer.redis)) {
      request.log.warn({ err: error }, 'Redis unavailable');
      return reply
        .code(503)
        .header('retry-after', String(SERVICE_UNAVAILABLE.retryAfterSeconds))
        .send({ error: SERVICE_UNAVAILABLE.error });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const message = `request body larger than ${http.bodyLimitBytes} bytes (HTTP_BODY_LIMIT_BYTES)`;
      return reply.code(413).send({ error: { code: 'ERR_BODY_TOO_LARGE', message } });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply
        .code(status)
        .send({ error: { code: error.code ?? 'ERR_BAD_REQUEST', message: error.message } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'ERR_INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'ERR_NOT_FOUND', message: 'no such route' } }),
  );
  app.addHook('onResponse', async (request, reply) => {
    const quiet = QUIET.test(request.url.split('?')[0] ?? '');
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  });

  const metrics = createMetricsRegistry({
    redis: producer.redis,
    prefix: options.prefix,
    exportQueue: producer.queue,
    ledger: producer.ledger,
    staleAfterMs: options.staleAfterMs,
  });
  const api = [...exportRoutes(producer), ...outcomeRoutes(producer)];
  let openapi: unknown;
  const system = systemRoutes({
    redis: producer.redis,
    metrics,
    openapi: () => openapi,
    logger,
    prefix: options.prefix,
  });
  openapi = buildOpenApi([...api, ...system], {
    version: options.version,
    auth: http.apiToken !== undefined,
  });

  registerRoutes(app, system);
  await registerDocs(app, () => openapi);
  await app.register(async (scope) => {
    if (http.apiToken)
      scope.addHook('onRequest', requireToken(http.apiToken, { allowBasic: false }));
    // After authentication: a caller without the token learns nothing about Redis.
    scope.addHook('onRequest', redisAvailability(producer.redis));
    registerRoutes(scope, api);
  });
  // Shared by /ui and the page.
  const discoveryQueue = openDiscoveryQueue(producer);
  app.addHook('onClose', async () => {
    await discoveryQueue.close();
  });
  await registerUi(app, { producer, discoveryQueue, token: http.apiToken });
  await registerPage(app, {
    producer,
    discoveryQueue,
    prefix: options.prefix,
    token: http.apiToken,
    allowRetry: http.uiAllowRetry,
    staleAfterMs: options.staleAfterMs,
  });
  logger.debug({ ui: UI_PATH }, 'routes registered');
  return app;
}
