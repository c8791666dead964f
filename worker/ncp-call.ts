/**
 * One NCP call under the global rate limit, as every worker makes it: wait for the limiter,
 * send, book the call when it is written to the socket, and repeat it while NCP throttles.
 *
 * A 429 pauses every worker and the call is repeated (throttling uses up no attempts) until
 * `throttleMaxWaitMs` runs out; then it fails with kind `throttled`. Every other error is
 * returned to the caller, classified as an {@link NcpError}, to retry or not.
 */
import type { Logger } from '../shared/logger.ts';
import { NcpError, type NcpResponse } from '../shared/ncp/index.ts';
import type { AuthBreaker } from './auth-breaker.ts';
import { logThrottleDecision, type ThrottleDecision } from './throttle.ts';

export interface CallLimiter {
  /** Waits for the global rate limit; returns a booking for {@link CallLimiter.sent}. */
  acquire(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
  ): Promise<string>;
  /** Books the call as sent now; from then on it counts for one rate-limit window. */
  sent(booking: string): Promise<void>;
  /**
   * Records the 429 of the call `booking`; returns what was decided (`throttle.ts`), or just the
   * global pause now in force, in ms.
   */
  throttled(retryAfterMs: number | undefined, booking: string): Promise<ThrottleDecision | number>;
  /** Longest pause one Retry-After may set, for the log line that says it was capped. */
  readonly retryAfterMaxMs?: number;
}

/** What {@link callUnderLimit} needs. */
export interface LimitedCallDeps {
  limiter: CallLimiter;
  /** Longest the call waits out throttling (repeats and global pauses) before it fails. */
  throttleMaxWaitMs: number;
  /** Aborts waits for the limiter; they reject with the signal's reason, as is. */
  shutdown: AbortSignal;
  /** @defaultValue `Date.now` */
  now?: () => number;
  /** Counts auth errors towards the pause of every worker; none: no breaker. */
  auth?: AuthBreaker | undefined;
}

/** Sends the request; must call `onSent` once it is on the wire (NcpClient does). */
export type SendCall = (onSent: () => void) => Promise<NcpResponse>;

/**
 * Makes one call, repeated while NCP throttles. Logs each try as `<label> succeeded` or
 * `<label> failed` with its HTTP status, requestId and duration.
 * @throws NcpError for anything but a success; the shutdown signal's reason when a wait was cut
 */
export async function callUnderLimit(
  deps: LimitedCallDeps,
  send: SendCall,
  log: Logger,
  label: string,
): Promise<NcpResponse> {
  const now = deps.now ?? Date.now;
  const giveUpAt = now() + deps.throttleMaxWaitMs;
  let lastThrottle: NcpError | undefined;
  // Waiting out a global pause counts against the same bound as repeating throttled calls.
  const checkPause = (waitMs: number, paused: boolean) => {
    if (paused && now() + waitMs > giveUpAt) {
      throw (
        lastThrottle ??
        new NcpError({
          kind: 'throttled',
          code: 'PAUSED',
          message: `NCP throttling pauses every worker for ${waitMs} ms more, past EXPORT_THROTTLE_MAX_WAIT_MS`,
        })
      );
    }
  };
  for (let call = 1; ; call++) {
    const booking = await deps.limiter.acquire(deps.shutdown, checkPause);
    const sentAt = performance.now();
    let booked: Promise<void> | undefined;
    const bookSent = () => {
      booked ??= deps.limiter.sent(booking).catch((error: unknown) => {
        log.warn({ err: error }, 'could not book the call with the rate limiter');
      });
    };
    try {
      const response = await send(bookSent);
      if (deps.auth) await deps.auth.succeeded();
      // At debug: the processor's one line per export at info carries the call's figures.
      if (log.isLevelEnabled('debug')) {
        log.debug(
          {
            call,
            httpStatus: response.httpStatus,
            requestId: response.requestId,
            durationMs: Math.round(performance.now() - sentAt),
          },
          `${label} succeeded`,
        );
      }
      return response;
    } catch (error) {
      // A call the caller let the shutdown abort (a read-only list) ends with the abort reason.
      if (deps.shutdown.aborted && error === deps.shutdown.reason) throw error;
      const ncpError = asNcpError(error);
      log.warn(
        {
          call,
          httpStatus: ncpError.httpStatus,
          requestId: ncpError.requestId,
          kind: ncpError.kind,
          code: ncpError.code,
          durationMs: Math.round(performance.now() - sentAt),
          err: ncpError,
        },
        `${label} failed`,
      );
      if (ncpError.kind === 'auth') await deps.auth?.failed(ncpError, log);
      if (ncpError.kind !== 'throttled') throw ncpError;
      lastThrottle = ncpError;
      bookSent();
      await booked;
      const decision = await deps.limiter.throttled(ncpError.retryAfterMs, booking);
      if (typeof decision !== 'number') {
        logThrottleDecision(log, decision, deps.limiter.retryAfterMaxMs ?? 0);
      }
      const pauseMs = typeof decision === 'number' ? decision : decision.pauseMs;
      if (now() + pauseMs > giveUpAt) throw ncpError;
    } finally {
      // A call that ended before it was written (refused connection) is booked now: safe.
      bookSent();
      await booked;
    }
  }
}

/** Any error as an {@link NcpError}; one that is not becomes kind `network`. */
export function asNcpError(error: unknown): NcpError {
  if (error instanceof NcpError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new NcpError({
    kind: 'network',
    code: typeof code === 'string' ? code : 'WORKER_ERROR',
    message: `unexpected error before NCP answered: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}
