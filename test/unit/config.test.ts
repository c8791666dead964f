import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadHttpConfig,
  loadJobPolicy,
  loadLandingConfig,
  loadNcpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';

const keys = { NCP_ACCESS_KEY: 'AK', NCP_SECRET_KEY: 'SK' };

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('NCP configuration', () => {
  it('has documented defaults', () => {
    expect(loadNcpConfig(keys)).toEqual({
      accessKey: 'AK',
      secretKey: 'SK',
      apiUrl: 'https://ncloud.apigw.ntruss.com',
      region: undefined,
      responseFormat: 'json',
      timeoutMs: 10_000,
      maxResponseBytes: 4 * 1024 * 1024,
      retryableCodes: new Set(['1000']),
    });
  });

  it('adds NCP_RETRYABLE_CODES to the codes retried, and names a bad item', () => {
    const config = loadNcpConfig({ ...keys, NCP_RETRYABLE_CODES: ' 1007009, 25013 ' });
    expect([...config.retryableCodes].sort()).toEqual(['1000', '1007009', '25013']);
    const error = configError(() =>
      loadNcpConfig({ ...keys, NCP_RETRYABLE_CODES: '1007009,,x y' }),
    );
    expect(error.variable).toBe('NCP_RETRYABLE_CODES');
    expect(error.message).toContain('item 2');
  });

  it('names the missing key', () => {
    const error = configError(() => loadNcpConfig({ NCP_ACCESS_KEY: 'AK' }));
    expect(error.variable).toBe('NCP_SECRET_KEY');
    expect(error.message).toContain('NCP_SECRET_KEY_FILE');
  });

  it('reads secrets from *_FILE and trims the trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncp-config-'));
    writeFileSync(join(dir, 'secret'), 'from-file\n');
    const config = loadNcpConfig({
      NCP_ACCESS_KEY: 'AK',
      NCP_SECRET_KEY_FILE: join(dir, 'secret'),
    });
    expect(config.secretKey).toBe('from-file');
    const missing = configError(() =>
      loadNcpConfig({ NCP_ACCESS_KEY: 'AK', NCP_SECRET_KEY_FILE: join(dir, 'absent') }),
    );
    expect(missing.variable).toBe('NCP_SECRET_KEY_FILE');
    expect(missing.message).toContain('ENOENT');
  });

  it('refuses a key given both ways', () => {
    expect(configError(() => loadNcpConfig({ ...keys, NCP_SECRET_KEY_FILE: '/x' })).variable).toBe(
      'NCP_SECRET_KEY',
    );
  });

  it('maps NCP_SITE to the site hosts', () => {
    expect(loadNcpConfig({ ...keys, NCP_SITE: 'gov' }).apiUrl).toBe(
      'https://ncloud.apigw.gov-ntruss.com',
    );
    expect(loadNcpConfig({ ...keys, NCP_SITE: 'fin' }).apiUrl).toBe(
      'https://fin-ncloud.apigw.fin-ntruss.com',
    );
    expect(configError(() => loadNcpConfig({ ...keys, NCP_SITE: 'moon' })).variable).toBe(
      'NCP_SITE',
    );
  });

  it.each([
    ['NCP_API_URL', 'not a url'],
    ['NCP_API_URL', 'ftp://host'],
    ['NCP_API_URL', 'https://host/path'],
    ['NCP_RESPONSE_FORMAT', 'yaml'],
    ['NCP_TIMEOUT_MS', '10s'],
    ['NCP_TIMEOUT_MS', '0'],
    ['NCP_REGION', 'kr'],
  ])('rejects %s=%s naming it', (variable, value) => {
    expect(configError(() => loadNcpConfig({ ...keys, [variable]: value })).variable).toBe(
      variable,
    );
  });
});

describe('Redis, worker and job configuration', () => {
  it('defaults Redis to the local server and the bull prefix', () => {
    expect(loadRedisConfig({})).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'bull' });
    expect(loadRedisConfig({ QUEUE_PREFIX: '{ncp}' }).prefix).toBe('{ncp}');
    expect(configError(() => loadRedisConfig({ REDIS_URL: 'http://x' })).variable).toBe(
      'REDIS_URL',
    );
    expect(configError(() => loadRedisConfig({ QUEUE_PREFIX: 'a:b' })).variable).toBe(
      'QUEUE_PREFIX',
    );
  });

  it('accepts a decimal rate limit and checks the backoff range', () => {
    expect(loadWorkerConfig({ NCP_RATE_LIMIT: '2.5' }).rateLimit).toBe(2.5);
    expect(loadWorkerConfig({ NCP_RATE_LIMIT: 'off' }).rateLimit).toBeUndefined();
    expect(loadWorkerConfig({}).concurrency).toBe(16);
    expect(configError(() => loadWorkerConfig({ NCP_RATE_LIMIT: 'fast' })).variable).toBe(
      'NCP_RATE_LIMIT',
    );
    expect(
      configError(() =>
        loadWorkerConfig({ EXPORT_BACKOFF_BASE_MS: '5000', EXPORT_BACKOFF_MAX_MS: '100' }),
      ).variable,
    ).toBe('EXPORT_BACKOFF_MAX_MS');
  });

  it('reads the pacing, Retry-After cap and auth pause settings, naming a bad one', () => {
    expect(loadWorkerConfig({})).toMatchObject({
      rateBurst: 1,
      retryAfterMaxMs: 60_000,
      authPauseAfter: 3,
      authProbeIntervalMs: 60_000,
    });
    expect(loadWorkerConfig({ NCP_RATE_BURST: '0', NCP_RETRY_AFTER_MAX_MS: '5000' })).toMatchObject(
      { rateBurst: 0, retryAfterMaxMs: 5000 },
    );
    expect(configError(() => loadWorkerConfig({ NCP_RETRY_AFTER_MAX_MS: '1m' })).message).toBe(
      'NCP_RETRY_AFTER_MAX_MS: is "1m", expected an integer',
    );
    expect(configError(() => loadWorkerConfig({ NCP_RATE_BURST: '-1' })).message).toBe(
      'NCP_RATE_BURST: is -1, must be at least 0',
    );
    expect(configError(() => loadWorkerConfig({ NCP_AUTH_PROBE_INTERVAL_MS: '10' })).variable).toBe(
      'NCP_AUTH_PROBE_INTERVAL_MS',
    );
  });

  it('keeps outcomes forever unless told otherwise', () => {
    expect(loadJobPolicy({})).toEqual({
      maxAttempts: 8,
      keepCompletedSeconds: 86_400,
      keepFailedSeconds: 30 * 86_400,
      keepOutcomesSeconds: undefined,
    });
    expect(loadJobPolicy({ OUTCOME_KEEP_DAYS: '7' }).keepOutcomesSeconds).toBe(7 * 86_400);
  });
});

/** The variable and message of the ConfigError that `load` throws. */
function reason(load: () => unknown): { variable: string; message: string } {
  const { variable, message } = configError(load);
  return { variable, message };
}

describe('unsafe or malformed settings', () => {
  it('allows plain http: for NCP_API_URL only on a loopback host', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:9', 'http://[::1]:8080']) {
      expect(loadNcpConfig({ ...keys, NCP_API_URL: url }).apiUrl).toBe(url);
    }
    expect(reason(() => loadNcpConfig({ ...keys, NCP_API_URL: 'http://example.com' }))).toEqual({
      variable: 'NCP_API_URL',
      message:
        'NCP_API_URL: is plain http: on example.com; use https: (plain http: only for a loopback host: localhost, 127.x.x.x, [::1], or a host named in ALLOW_PLAIN_HTTP_HOSTS)',
    });
    expect(reason(() => loadNcpConfig({ ...keys, NCP_API_URL: 'ftp://host' })).message).toBe(
      'NCP_API_URL: has scheme ftp:, expected https: (or http: for a loopback host such as http://127.0.0.1:8080, e.g. the emulator)',
    );
  });

  it('allows plain http: to the hosts ALLOW_PLAIN_HTTP_HOSTS names, and no others', () => {
    const env = { ...keys, ALLOW_PLAIN_HTTP_HOSTS: 'emulator, Other' };
    const config = loadNcpConfig({ ...env, NCP_API_URL: 'http://emulator:8080' });
    expect(config.apiUrl).toBe('http://emulator:8080');
    expect(loadNcpConfig({ ...env, NCP_API_URL: 'http://other:8080' }).apiUrl).toBe(
      'http://other:8080',
    );
    expect(
      reason(() => loadNcpConfig({ ...env, NCP_API_URL: 'http://emulator.example' })),
    ).toMatchObject({ variable: 'NCP_API_URL' });
    expect(
      loadLandingConfig({ ...env, OBJECT_STORAGE_URL: 'http://emulator:8081' })?.storageUrl,
    ).toBe('http://emulator:8081');
  });

  it('requires an API_TOKEN of at least 16 characters', () => {
    expect(reason(() => loadHttpConfig({ API_TOKEN: 'a' }))).toEqual({
      variable: 'API_TOKEN',
      message:
        'API_TOKEN: the token is 1 characters long, at least 16 are needed (e.g. openssl rand -hex 24)',
    });
    expect(loadHttpConfig({ API_TOKEN: '0123456789abcdef' }).apiToken).toBe('0123456789abcdef');
  });

  it.each([
    ['{bad', 'a hash tag must be one balanced, non-empty {...} such as {ncp}'],
    ['bad}', 'a hash tag must be one balanced, non-empty {...} such as {ncp}'],
    ['{}', 'a hash tag must be one balanced, non-empty {...} such as {ncp}'],
    ['{a}{b}', 'a hash tag must be one balanced, non-empty {...} such as {ncp}'],
    ['my queue', 'use letters, digits, "_", "-", "." and at most one hash tag such as {ncp}'],
    ['x*', 'use letters, digits, "_", "-", "." and at most one hash tag such as {ncp}'],
  ])('refuses QUEUE_PREFIX=%s', (prefix, why) => {
    expect(reason(() => loadRedisConfig({ QUEUE_PREFIX: prefix }))).toEqual({
      variable: 'QUEUE_PREFIX',
      message: `QUEUE_PREFIX: is "${prefix}": ${why}`,
    });
  });

  it('accepts prefixes with one hash tag anywhere', () => {
    for (const prefix of ['bull', 'test-x_1.2', '{ncp}', 'app-{ncp}', '{ncp}-a']) {
      expect(loadRedisConfig({ QUEUE_PREFIX: prefix }).prefix).toBe(prefix);
    }
  });
});
