/**
 * The HTTP service while Redis is unreachable: every API request is answered at once with 503
 * and `Retry-After`, instead of queueing in ioredis' offline queue until its retries run out and
 * then answering 500 seconds later. A request already talking to Redis when it goes away fails
 * with a connection error, which the error handler answers the same way.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../../shared/redis.ts';

/** What a request gets while Redis is unreachable. */
export const SERVICE_UNAVAILABLE = {
  retryAfterSeconds: 5,
  error: {
    code: 'ERR_REDIS_UNAVAILABLE',
    message: 'Redis is unreachable, so nothing can be enqueued or read; try again later',
  },
} as const;

/** An `onRequest` hook: 503 with Retry-After unless the Redis connection is ready. */
export function redisAvailability(redis: RedisClient) {
  return async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (redis.status === 'ready') return;
    await reply
      .code(503)
      .header('retry-after', String(SERVICE_UNAVAILABLE.retryAfterSeconds))
      .send({ error: SERVICE_UNAVAILABLE.error });
  };
}

const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

/** Whether a server error came from losing Redis (and so deserves 503, not 500). */
export function isRedisUnavailable(
  error: { name?: string; message?: string; code?: string; statusCode?: number },
  redis: RedisClient,
): boolean {
  if ((error.statusCode ?? 500) < 500) return false;
  if (redis.status !== 'ready') return true;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.message === 'Connection is closed.' ||
    (error.code !== undefined && CONNECTION_CODES.has(error.code))
  );
}
