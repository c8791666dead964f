/**
 * Routes for operators and machines, open without a token: liveness, readiness (Redis
 * answers), Prometheus metrics, and the OpenAPI document.
 */
import type { Registry } from 'prom-client';
import { limiterKeys } from '../../shared/limiter-keys.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RedisClient } from '../../shared/redis.ts';
import { defineRoute, type Route } from './route.ts';
import { healthSchema } from './schemas.ts';

const READY_TIMEOUT_MS = 2000;

export interface SystemRoutesOptions {
  redis: RedisClient;
  metrics: Registry;
  /** The OpenAPI document; a function, as it describes these routes too. */
  openapi: () => unknown;
  logger: Logger;
  /** QUEUE_PREFIX: where `/readyz` reads the auth pause. */
  prefix?: string | undefined;
}

export function systemRoutes(options: SystemRoutesOptions): Route[] {
  const health = { schema: healthSchema, name: 'Health' };
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/healthz',
        operationId: 'health',
        summary: 'The process is up',
        tag: 'operations',
        auth: false,
        responses: { 200: { description: 'Up', ...health } },
      },
      async () => ({ status: 200, body: { status: 'ok' } }),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/readyz',
        operationId: 'ready',
        summary:
          'Redis answers and no auth pause holds the exports (503 auth_paused: NCP refused the access key repeatedly)',
        tag: 'operations',
        auth: false,
        responses: {
          200: { description: 'Ready', ...health },
          503: {
            description: 'Redis does not answer, or repeated NCP auth errors pause every worker',
            ...health,
          },
        },
      },
      async () => {
        const ready = await pingWithin(options.redis, READY_TIMEOUT_MS);
        if (!ready) return { status: 503, body: { status: 'unavailable' } };
        const auth =
          options.prefix === undefined
            ? {}
            : await options.redis.hgetall(limiterKeys(options.prefix).auth).catch(() => ({}));
        if ('since' in auth) {
          const message = `NCP refused access key ${auth.accessKeyId ?? '?'} repeatedly (errorCode ${auth.code ?? '?'}): every worker pauses exporting; see \`ncp-cache-export status\``;
          return { status: 503, body: { status: 'auth_paused', message } };
        }
        return { status: 200, body: { status: 'ok' } };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics of the whole system',
        tag: 'operations',
        auth: false,
        responses: {
          200: { description: 'Prometheus text format', contentType: options.metrics.contentType },
          503: { description: 'Redis could not be read', contentType: 'text/plain' },
        },
      },
      async () => {
        try {
          if (options.redis.status !== 'ready') throw new Error(`Redis is ${options.redis.status}`);
          const text = await options.metrics.metrics();
          return { status: 200, body: text, contentType: options.metrics.contentType };
        } catch (error) {
          options.logger.warn({ err: error }, 'metrics scrape failed');
          return { status: 503, body: 'metrics unavailable\n', contentType: 'text/plain' };
        }
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/openapi.json',
        operationId: 'openapi',
        summary: 'This document',
        tag: 'operations',
        auth: false,
        responses: { 200: { description: 'OpenAPI 3.1 document' } },
      },
      async () => ({ status: 200, body: options.openapi() }),
    ),
  ];
}

async function pingWithin(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  // Reconnecting: commands would wait in the offline queue; the answer is already known.
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((answer) => answer === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
