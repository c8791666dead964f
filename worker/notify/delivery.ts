/**
 * Posting one notification to the webhook. Transient failures (no answer, timeout, 408, 429,
 * 5xx) throw for BullMQ to retry with backoff; other answers fail for good. Errors name the
 * webhook by its origin only: the rest of its URL often holds a token.
 */
import { UnrecoverableError } from 'bullmq';
import type { NotifyConfig } from '../../shared/config.ts';
import { type Notification, notificationBody } from './messages.ts';

export async function deliver(
  config: Pick<NotifyConfig, 'webhookUrl' | 'format' | 'timeoutMs'>,
  notification: Notification,
): Promise<number> {
  const origin = new URL(config.webhookUrl).origin;
  let response: Response;
  try {
    response = await fetch(config.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ncp-cache-export' },
      body: notificationBody(config.format, notification),
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'could not connect';
    throw new Error(`webhook ${origin} ${reason}`);
  }
  await response.body?.cancel();
  const status = response.status;
  if (status >= 200 && status < 300) return status;
  const message = `webhook ${origin} answered HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) throw new Error(message);
  throw new UnrecoverableError(`${message}; not retried`);
}
