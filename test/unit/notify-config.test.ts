/** NOTIFY_* and REPORT_STALE_AFTER: defaults, files for the webhook, errors that name the variable. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadNotifyConfig,
  loadReportConfig,
  parseDurationMs,
} from '../../shared/config.ts';

function message(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const HOOK = 'https://hooks.slack.com/services/T000/B000/secret-token';

describe('notification and report configuration', () => {
  it('has no notifications without a webhook, and documented defaults with one', () => {
    expect(loadNotifyConfig({})).toBeUndefined();
    expect(loadNotifyConfig({ NOTIFY_WEBHOOK_URL: HOOK })).toEqual({
      webhookUrl: HOOK,
      format: 'json',
      batchSeconds: 60,
      staleCheckSeconds: 300,
      maxAttempts: 10,
      timeoutMs: 10_000,
    });
    expect(loadReportConfig({})).toEqual({ staleAfterMs: 26 * 3_600_000 });
  });

  it('reads the webhook from NOTIFY_WEBHOOK_URL_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-'));
    try {
      writeFileSync(join(dir, 'hook'), `${HOOK}\n`);
      const env = { NOTIFY_WEBHOOK_URL_FILE: join(dir, 'hook'), NOTIFY_FORMAT: 'slack' };
      expect(loadNotifyConfig(env)).toMatchObject({ webhookUrl: HOOK, format: 'slack' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('names what is wrong, never echoing the webhook', () => {
    expect(message(() => loadNotifyConfig({ NOTIFY_WEBHOOK_URL: 'not a url secret-token' }))).toBe(
      'NOTIFY_WEBHOOK_URL: is not a URL (expected https://...)',
    );
    expect(message(() => loadNotifyConfig({ NOTIFY_WEBHOOK_URL: 'ftp://x/secret-token' }))).toBe(
      'NOTIFY_WEBHOOK_URL: has scheme ftp:, expected https:',
    );
    expect(
      message(() => loadNotifyConfig({ NOTIFY_WEBHOOK_URL: HOOK, NOTIFY_FORMAT: 'teams' })),
    ).toBe('NOTIFY_FORMAT: is "teams", expected one of json, slack');
    expect(message(() => loadNotifyConfig({ NOTIFY_FORMAT: 'slack' }))).toBe(
      'NOTIFY_FORMAT: is set but NOTIFY_WEBHOOK_URL is not',
    );
    expect(
      message(() => loadNotifyConfig({ NOTIFY_WEBHOOK_URL: HOOK, NOTIFY_BATCH_SECONDS: '0' })),
    ).toBe('NOTIFY_BATCH_SECONDS: is 0, must be at least 1');
    expect(message(() => loadReportConfig({ REPORT_STALE_AFTER: '26' }))).toBe(
      'REPORT_STALE_AFTER: is "26", expected a duration such as 26h',
    );
  });

  it('parses durations in s, m, h and d', () => {
    expect(['90s', '30m', '26h', '7d', '0h', '1w', '-1h', ''].map(parseDurationMs)).toEqual([
      90_000,
      1_800_000,
      93_600_000,
      604_800_000,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
