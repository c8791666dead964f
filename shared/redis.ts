/**
 * Redis connections, to a single Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES).
 * Workers wait out outages (commands queue up and reconnects go on forever, as BullMQ
 * requires); producers and CLI commands fail fast with a clear message.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.ts';

export type ConnectionRole = 'worker' | 'producer';

/** A connection to either kind of deployment; BullMQ and the rate limiter take both. */
export type RedisClient = Redis | Cluster;

const backoff = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000);

export function redisOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = {
    retryStrategy: backoff,
    // Survive Redis restarts and failovers without a process restart.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
  return role === 'worker'
    ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
    : { ...common, maxRetriesPerRequest: 2, connectTimeout: 5000 };
}

/** Options for a cluster connection: the per-node options, credentials, and TLS. */
function clusterOptions(config: RedisConfig, role: ConnectionRole): ClusterOptions {
  return {
    clusterRetryStrategy: backoff,
    // BullMQ's blocking commands need the offline queue while slots are being discovered.
    enableOfflineQueue: true,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    redisOptions: {
      ...redisOptions(role),
      ...credentials(config),
      ...(config.clusterTls ? { tls: {} } : {}),
    },
  };
}

function credentials(config: RedisConfig): Pick<RedisOptions, 'username' | 'password'> {
  return {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
}

export function createRedis(config: RedisConfig, role: ConnectionRole): RedisClient {
  if (config.clusterNodes) {
    return new Cluster([...config.clusterNodes], clusterOptions(config, role));
  }
  return new Redis(config.url, { ...redisOptions(role), ...credentials(config) });
}

/**
 * A new connection to the same Redis or Cluster as `client`, for BullMQ's blocking readers
 * (QueueEvents): they require `maxRetriesPerRequest: null`. The caller closes it.
 */
export function duplicateForBlocking(client: RedisClient): RedisClient {
  if (client instanceof Cluster) {
    const redisOptions = { ...client.options.redisOptions, maxRetriesPerRequest: null };
    return client.duplicate(undefined, { ...client.options, redisOptions });
  }
  return client.duplicate({ maxRetriesPerRequest: null });
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

/** Where the configuration points, without secrets: the URL, or the cluster's seed nodes. */
export function describeRedis(config: RedisConfig): string {
  if (!config.clusterNodes) return describeRedisUrl(config.url);
  const scheme = config.clusterTls ? 'rediss' : 'redis';
  return `cluster ${config.clusterNodes.map((n) => `${scheme}://${n.host}:${n.port}`).join(',')}`;
}

/** Connects a producer-side client, or throws an error that says where Redis was expected. */
export async function connectOrExplain(config: RedisConfig): Promise<RedisClient> {
  const redis: RedisClient = config.clusterNodes
    ? new Cluster([...config.clusterNodes], {
        ...clusterOptions(config, 'producer'),
        lazyConnect: true,
        clusterRetryStrategy: () => null,
      })
    : new Redis(config.url, {
        ...redisOptions('producer'),
        ...credentials(config),
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
    const variable = config.clusterNodes ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL';
    throw new Error(`cannot reach Redis at ${describeRedis(config)} (${reason}); set ${variable}`);
  }
  // Connected: from now on, ride out short outages like any other client.
  if (redis instanceof Cluster) redis.options.clusterRetryStrategy = backoff;
  else redis.options.retryStrategy = backoff;
  return redis;
}
