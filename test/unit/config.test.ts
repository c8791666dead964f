import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadJobPolicy,
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
