/**
 * Redis connections. Workers wait out outages (commands queue up and reconnects go on
 * forever, as BullMQ requires); producers and CLI commands fail fast with a clear message.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.ts';

export type ConnectionRole = 'worker' | 'producer';

export function redisOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = {
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    // Survive Redis restarts and failovers without a process restart.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
  return role === 'worker'
    ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
    : { ...common, maxRetriesPerRequest: 2, connectTimeout: 5000 };
}

export function createRedis(config: RedisConfig, role: ConnectionRole): Redis {
  return new Redis(config.url, redisOptions(role));
}

/** REDIS_URL without its password, for messages and logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

/** Connects a producer-side client, or throws an error that says where Redis was expected. */
export async function connectOrExplain(config: RedisConfig): Promise<Redis> {
  const redis = new Redis(config.url, {
    ...redisOptions('producer'),
    lazyConnect: true,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    throw new Error(
      `cannot reach Redis at ${describeRedisUrl(config.url)} (${reason}); set REDIS_URL`,
    );
  }
  // Connected: from now on, ride out short outages like any other client.
  redis.options.retryStrategy = redisOptions('producer').retryStrategy;
  return redis;
}
