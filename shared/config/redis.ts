/** Redis: one server or a Cluster, and the queue prefix every key lives under. */
import { DEFAULTS } from '../defaults.ts';
import { ConfigError, type Env, optionalSecret } from './env.ts';

export interface RedisConfig {
  /** Single Redis (REDIS_URL); unused when `clusterNodes` is set. */
  url: string;
  /** BullMQ key prefix; `{ncp}` keeps every key in one Redis Cluster slot. */
  prefix: string;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); the rest are discovered. */
  clusterNodes?: readonly RedisNode[] | undefined;
  /** Whether cluster nodes are reached over TLS (`rediss://` seed nodes). */
  clusterTls?: boolean | undefined;
  /** REDIS_USERNAME, for ACL users; applies to a single Redis and to every cluster node. */
  username?: string | undefined;
  /** REDIS_PASSWORD or REDIS_PASSWORD_FILE; overrides a password in REDIS_URL. Never logged. */
  password?: string | undefined;
}

/** One `host:port` of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

export function loadRedisConfig(env: Env = process.env): RedisConfig {
  const url = env.REDIS_URL?.trim() || DEFAULTS.redisUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://host:port or rediss://...)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `has scheme ${parsed.protocol}, expected redis: or rediss:`);
  }
  const prefix = queuePrefix(env);
  const config: RedisConfig = { url, prefix };
  const username = env.REDIS_USERNAME?.trim();
  if (username) config.username = username;
  const password = optionalSecret(env, 'REDIS_PASSWORD');
  if (password) config.password = password;
  const nodes = env.REDIS_CLUSTER_NODES?.trim();
  if (!nodes) return config;
  if (env.REDIS_URL?.trim()) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'is set together with REDIS_URL; set only one');
  }
  if (!/^\{[^{}]+\}$/.test(prefix)) {
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is "${prefix}"; on a Redis Cluster it must be a hash tag such as {ncp}, so every key of a queue lands in one slot`,
    );
  }
  const seeds = nodes.split(',').map((entry) => clusterNode(entry.trim()));
  if (new Set(seeds.map((seed) => seed.tls)).size > 1) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'mixes redis:// and rediss:// nodes');
  }
  return {
    ...config,
    clusterNodes: seeds.map(({ host, port }) => ({ host, port })),
    clusterTls: seeds[0]!.tls,
  };
}

/** One REDIS_CLUSTER_NODES entry: `host:port`, or `redis://host:port` / `rediss://host:port`. */
function clusterNode(entry: string): RedisNode & { tls: boolean } {
  let url: URL;
  try {
    url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
  } catch {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" is not host:port`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" has scheme ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      'REDIS_CLUSTER_NODES',
      'must not hold credentials; use REDIS_USERNAME and REDIS_PASSWORD(_FILE)',
    );
  }
  if (!url.hostname || !url.port || (url.pathname !== '' && url.pathname !== '/')) {
    throw new ConfigError('REDIS_CLUSTER_NODES', `"${entry}" is not host:port`);
  }
  return { host: url.hostname, port: Number(url.port), tls: url.protocol === 'rediss:' };
}

/**
 * QUEUE_PREFIX: letters, digits, `_`, `-` and `.`, with at most one hash tag `{...}` (non-empty,
 * of the same characters) anywhere in it. BullMQ adds `:` itself; a stray brace would make Redis
 * Cluster hash a different part of each key.
 */
const PREFIX = /^[\w.-]*(\{[\w.-]+\}[\w.-]*)?$/;

const PREFIX_MAX = 64;

function queuePrefix(env: Env): string {
  const prefix = env.QUEUE_PREFIX?.trim() || DEFAULTS.queuePrefix;
  if (prefix.includes(':')) {
    throw new ConfigError('QUEUE_PREFIX', 'must not contain ":" (BullMQ adds its own)');
  }
  if (prefix.length > PREFIX_MAX) {
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is ${prefix.length} characters long, at most ${PREFIX_MAX}`,
    );
  }
  if (!PREFIX.test(prefix)) {
    const braces = /[{}]/.test(prefix);
    throw new ConfigError(
      'QUEUE_PREFIX',
      `is "${prefix}": ${
        braces
          ? 'a hash tag must be one balanced, non-empty {...} such as {ncp}'
          : 'use letters, digits, "_", "-", "." and at most one hash tag such as {ncp}'
      }`,
    );
  }
  return prefix;
}
