/** Configuration of the HTTP service, Redis Cluster and worker metrics; token handling. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presentedToken, tokenMatches } from '../../producer/http/auth.ts';
import { parseExportBatch } from '../../producer/http/validation.ts';
import {
  ConfigError,
  loadHttpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import { bucketIndex, metricFields } from '../../shared/metrics.ts';
import { describeRedis } from '../../shared/redis.ts';

function configError(load: () => unknown): { variable: string; message: string } {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return { variable: error.variable, message: error.message };
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const secretFile = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ncp-http-config-')), 'secret');
  writeFileSync(path, content);
  return path;
};

describe('Redis Cluster configuration', () => {
  it('reads seed nodes, TLS, user and a password file', () => {
    const config = loadRedisConfig({
      REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001',
      QUEUE_PREFIX: '{ncp}',
      REDIS_USERNAME: 'exporter',
      REDIS_PASSWORD_FILE: secretFile('p4ss\n'),
    });
    expect(config).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: '{ncp}',
      username: 'exporter',
      password: 'p4ss',
      clusterNodes: [
        { host: 'redis-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      clusterTls: false,
    });
    expect(describeRedis(config)).toBe('cluster redis://redis-1:7000,redis://10.0.0.2:7001');
    const tls = loadRedisConfig({ REDIS_CLUSTER_NODES: 'rediss://a:6380', QUEUE_PREFIX: '{x}' });
    expect([tls.clusterTls, describeRedis(tls)]).toEqual([true, 'cluster rediss://a:6380']);
  });

  it('names the variable at fault', () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ REDIS_CLUSTER_NODES: 'a:1' }, 'QUEUE_PREFIX', 'must be a hash tag such as {ncp}'],
      [{ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: '{ncp}x' }, 'QUEUE_PREFIX', 'hash tag'],
      [
        { REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://b', QUEUE_PREFIX: '{n}' },
        'REDIS_CLUSTER_NODES',
        'is set together with REDIS_URL',
      ],
      [
        { REDIS_CLUSTER_NODES: 'a', QUEUE_PREFIX: '{n}' },
        'REDIS_CLUSTER_NODES',
        '"a" is not host:port',
      ],
      [
        { REDIS_CLUSTER_NODES: 'redis://u:pw@a:1', QUEUE_PREFIX: '{n}' },
        'REDIS_CLUSTER_NODES',
        'must not hold credentials',
      ],
      [
        { REDIS_CLUSTER_NODES: 'redis://a:1,rediss://b:2', QUEUE_PREFIX: '{n}' },
        'REDIS_CLUSTER_NODES',
        'mixes redis:// and rediss://',
      ],
      [
        { REDIS_PASSWORD: 'x', REDIS_PASSWORD_FILE: '/nonexistent' },
        'REDIS_PASSWORD',
        'is set together with REDIS_PASSWORD_FILE',
      ],
    ];
    for (const [env, variable, message] of cases) {
      const error = configError(() => loadRedisConfig(env));
      expect(error.variable).toBe(variable);
      expect(error.message).toContain(message);
      expect(error.message).not.toContain('pw');
    }
  });
});

describe('HTTP configuration', () => {
  it('has documented defaults', () => {
    expect(loadHttpConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      apiToken: undefined,
      bodyLimitBytes: 16 * 1024 * 1024,
      uiAllowRetry: false,
      requestTimeoutMs: 30_000,
    });
  });

  it('reads the token from a file and the flags', () => {
    const config = loadHttpConfig({
      API_TOKEN_FILE: secretFile('  t0ken-from-a-file-0123 \n'),
      PORT: '8080',
      HOST: '127.0.0.1',
      HTTP_BODY_LIMIT_BYTES: '2048',
      UI_ALLOW_RETRY: 'true',
      HTTP_REQUEST_TIMEOUT_MS: '5000',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      apiToken: 't0ken-from-a-file-0123',
      bodyLimitBytes: 2048,
      uiAllowRetry: true,
      requestTimeoutMs: 5000,
    });
    expect(configError(() => loadHttpConfig({ UI_ALLOW_RETRY: 'yes' }))).toEqual({
      variable: 'UI_ALLOW_RETRY',
      message: 'UI_ALLOW_RETRY: is "yes", expected true or false',
    });
    expect(
      configError(() => loadHttpConfig({ API_TOKEN_FILE: secretFile('\n') })).message,
    ).toContain('is empty');
    expect(configError(() => loadHttpConfig({ PORT: '70000' })).variable).toBe('PORT');
  });

  it('reads METRICS_PORT for workers', () => {
    expect(loadWorkerConfig({}).metricsPort).toBeUndefined();
    expect(loadWorkerConfig({ METRICS_PORT: '9100' })).toMatchObject({
      metricsPort: 9100,
      metricsHost: '0.0.0.0',
    });
    expect(configError(() => loadWorkerConfig({ METRICS_PORT: 'x' })).variable).toBe(
      'METRICS_PORT',
    );
  });
});

describe('bearer tokens', () => {
  it('matches only the exact token, whatever its length', () => {
    expect(tokenMatches('secret-token', 'secret-token')).toBe(true);
    for (const guess of ['', 's', 'secret-toke', 'secret-tokenn', 'SECRET-TOKEN']) {
      expect(tokenMatches('secret-token', guess)).toBe(false);
    }
  });

  it('reads Bearer, and Basic only where allowed', () => {
    const basic = `Basic ${Buffer.from('anyone:tok:en').toString('base64')}`;
    expect(presentedToken('Bearer abc', false)).toBe('abc');
    expect(presentedToken('bearer abc', false)).toBe('abc');
    expect(presentedToken(basic, true)).toBe('tok:en');
    expect(presentedToken(basic, false)).toBeUndefined();
    for (const header of [undefined, '', 'Bearer', 'Bearer a b', 'Token abc']) {
      expect(presentedToken(header, true)).toBeUndefined();
    }
  });
});

describe('export batch validation', () => {
  it('names every invalid item by index, as the contract names fields', () => {
    const ok = { api: 'vredis', instanceNo: '1', fileName: 'f', bucketName: 'bbb' };
    // As JSON.parse builds it from a body: an own key named __proto__.
    const meta = JSON.parse('{"__proto__": 1}');
    expect(parseExportBatch([ok, { ...ok, meta }, ok])).toEqual({
      ok: false,
      issues: [
        {
          in: 'body',
          index: 1,
          field: 'meta.__proto__',
          message: 'a key named "__proto__" is not allowed',
        },
      ],
    });
    expect(parseExportBatch(ok)).toEqual({ ok: true, value: { ...ok, backupTypeMode: 'SYSTEM' } });
  });
});

describe('metric fields', () => {
  it('puts each latency in the first bucket that holds it', () => {
    expect([0, 0.05, 0.051, 1, 29.9, 30, 31].map(bucketIndex)).toEqual([0, 0, 1, 4, 8, 8, 9]);
    expect(metricFields.callBucket('vredis', undefined, 0.2)).toBe('c|vredis|none|2');
    expect(metricFields.outcome('succeeded', undefined)).toBe('o|succeeded|none');
  });
});
