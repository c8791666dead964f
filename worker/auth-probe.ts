/**
 * The call a worker sends to learn whether NCP accepts its key again while auth errors pause
 * every worker: one read-only instance list of one item, under the rate limit (past the auth
 * pause). Any answer but an auth error means the key authenticates.
 */
import type { Logger } from '../shared/logger.ts';
import type { ListClient } from './discovery/processor.ts';
import { type CallLimiter, callUnderLimit } from './ncp-call.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { UnlimitedCalls } from './unlimited.ts';

export async function authProbe(
  client: ListClient,
  limiter: RateLimiter | UnlimitedCalls,
  region: string | undefined,
  logger: Logger,
  shutdown: AbortSignal,
): Promise<void> {
  const pastAuthPause: CallLimiter = {
    acquire: (signal, onWait) =>
      'keys' in limiter
        ? limiter.acquire(signal, onWait, { ignoreAuthPause: true })
        : limiter.acquire(signal, onWait),
    sent: (booking) => limiter.sent(booking),
    throttled: (retryAfterMs, booking) => limiter.throttled(retryAfterMs, booking),
    retryAfterMaxMs: limiter.retryAfterMaxMs,
  };
  await callUnderLimit(
    { limiter: pastAuthPause, throttleMaxWaitMs: 60_000, shutdown },
    (onSent) =>
      client.call(
        'vredis',
        'getCloudRedisInstanceList',
        { pageNo: '0', pageSize: '1', regionCode: region },
        { signal: shutdown, onSent },
      ),
    logger.child({ probe: 'auth' }),
    'auth probe call',
  );
}
