/**
 * Everything stored under a key prefix, as text: every key's name and its whole value read by
 * type (not DUMP, whose RDB encoding compresses long strings and would hide what is in them).
 */
import { Redis } from 'ioredis';

export interface PrefixDump {
  /** Keys found, by Redis type. */
  types: Record<string, number>;
  keys: number;
  /** One line per key: `name type value-as-JSON`. */
  text: string;
}

export async function dumpPrefix(url: string, prefix: string): Promise<PrefixDump> {
  const redis = new Redis(url);
  const types: Record<string, number> = {};
  const lines: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        types[type] = (types[type] ?? 0) + 1;
        lines.push(`${key} ${type} ${JSON.stringify(await readValue(redis, key, type))}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { types, keys: lines.length, text: lines.join('\n') };
}

async function readValue(redis: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, 0, -1, 'WITHSCORES');
    case 'stream':
      return redis.xrange(key, '-', '+');
    case 'none':
      return null; // removed between SCAN and TYPE
    default:
      throw new Error(`dumpPrefix: no reader for Redis type ${type} (key ${key})`);
  }
}
