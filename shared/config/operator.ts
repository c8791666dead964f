/** What operators are told: the coverage report and webhook notifications. */
import { DEFAULTS } from '../defaults.ts';
import { ConfigError, type Env, integer, oneOf, optionalSecret, parseDurationMs } from './env.ts';

/** Coverage: what `report`, the metrics and the stale-instance notifications call stale. */
export interface ReportConfig {
  /** REPORT_STALE_AFTER: an instance without a successful export for this long is stale. */
  staleAfterMs: number;
}

/** Webhook notifications (NOTIFY_*); `loadNotifyConfig` gives undefined when none is set. */
export interface NotifyConfig {
  /** NOTIFY_WEBHOOK_URL or NOTIFY_WEBHOOK_URL_FILE. Never logged: it often holds a token. */
  webhookUrl: string;
  /** `json` (a generic body) or `slack` (a Slack incoming-webhook body). */
  format: 'json' | 'slack';
  /** At most one message about failed exports per this many seconds, across every worker. */
  batchSeconds: number;
  /** How often one worker at a time looks for instances that went stale. */
  staleCheckSeconds: number;
  /** Delivery attempts per message, with exponential backoff between them. */
  maxAttempts: number;
  /** Time one delivery may take (connect, send, answer). */
  timeoutMs: number;
}

export function loadReportConfig(env: Env = process.env): ReportConfig {
  const value = env.REPORT_STALE_AFTER?.trim() || DEFAULTS.reportStaleAfter;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new ConfigError('REPORT_STALE_AFTER', `is "${value}", expected a duration such as 26h`);
  }
  return { staleAfterMs: ms };
}

export function loadNotifyConfig(env: Env = process.env): NotifyConfig | undefined {
  const webhookUrl = optionalSecret(env, 'NOTIFY_WEBHOOK_URL');
  if (webhookUrl === undefined) {
    for (const name of ['NOTIFY_FORMAT', 'NOTIFY_BATCH_SECONDS', 'NOTIFY_STALE_CHECK_SECONDS']) {
      if (env[name]?.trim()) throw new ConfigError(name, 'is set but NOTIFY_WEBHOOK_URL is not');
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    // Not echoed: the URL may hold a token.
    throw new ConfigError('NOTIFY_WEBHOOK_URL', 'is not a URL (expected https://...)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('NOTIFY_WEBHOOK_URL', `has scheme ${url.protocol}, expected https:`);
  }
  return {
    webhookUrl,
    format: oneOf(env, 'NOTIFY_FORMAT', ['json', 'slack'], DEFAULTS.notifyFormat),
    batchSeconds: integer(env, 'NOTIFY_BATCH_SECONDS', DEFAULTS.notifyBatchSeconds, {
      min: 1,
      max: 86_400,
    }),
    staleCheckSeconds: integer(
      env,
      'NOTIFY_STALE_CHECK_SECONDS',
      DEFAULTS.notifyStaleCheckSeconds,
      { min: 1, max: 86_400 },
    ),
    maxAttempts: integer(env, 'NOTIFY_MAX_ATTEMPTS', DEFAULTS.notifyMaxAttempts, {
      min: 1,
      max: 100,
    }),
    timeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', DEFAULTS.notifyTimeoutMs, { min: 100 }),
  };
}
