/**
 * The NCP calls of a discovery, made as every worker call is: under the global rate limit and
 * its throttle handling (`callUnderLimit`), signed by the shared client.
 *
 * - List calls are read-only: a transient failure is retried with the export attempt policy
 *   (EXPORT_MAX_ATTEMPTS tries, `ncp-jitter` backoff, Retry-After as a floor), and shutdown
 *   aborts them.
 * - A create call is not read-only: it is never aborted once sent, and repeated only when NCP
 *   cannot have acted on it (never written to the socket, or a retryable service code).
 */
import type { ApiFamily } from '../../shared/contract.ts';
import { delay } from '../../shared/delay.ts';
import type { Logger } from '../../shared/logger.ts';
import { NcpError } from '../../shared/ncp/index.ts';
import { asNcpError, callUnderLimit } from '../ncp-call.ts';
import { isFinalAttempt, retryDelay } from '../retry-policy.ts';
import { type CreateCall, CreateFailed } from './fresh.ts';
import type { ListCalls } from './plan.ts';
import type { DiscoveryDeps } from './processor.ts';

type CallDeps = Pick<
  DiscoveryDeps,
  'client' | 'limiter' | 'throttleMaxWaitMs' | 'retry' | 'shutdown'
> & { now: () => number };

/** The list calls of each family, logged under `log`. */
export function listCalls(deps: CallDeps, log: Logger): ListCalls {
  return (api) => async (action, params) => {
    const callLog = log.child({ api, action });
    const send = (onSent: () => void) =>
      deps.client.call(api, action, params, { signal: deps.shutdown, onSent });
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await callUnderLimit(deps, send, callLog, 'ncp list call');
        return response.body;
      } catch (error) {
        if (!(error instanceof NcpError)) throw error;
        if (isFinalAttempt(error, attempt - 1, deps.retry.maxAttempts)) throw error;
        await delay(retryDelay(deps.retry, attempt, error), deps.shutdown);
      }
    }
  };
}

/**
 * The create call. Rejects with {@link CreateFailed} (the error, and whether it was sent), or
 * with the shutdown signal's reason when shutdown cut a wait for the rate limit.
 */
export function createCall(deps: CallDeps, log: Logger): CreateCall {
  return async (api: ApiFamily, action, params) => {
    const callLog = log.child({ api, action });
    for (let attempt = 1; ; attempt++) {
      let sent = false;
      const send = (onSent: () => void) =>
        deps.client.call(api, action, params, {
          onSent: () => {
            sent = true;
            onSent();
          },
        });
      try {
        await callUnderLimit(deps, send, callLog, 'ncp create call');
        callLog.info('manual backup created');
        return;
      } catch (error) {
        if (deps.shutdown.aborted && error === deps.shutdown.reason) throw error;
        const ncpError = asNcpError(error);
        const again = (!sent && ncpError.retryable) || busy(ncpError);
        if (!again || attempt >= deps.retry.maxAttempts) throw new CreateFailed(ncpError, sent);
        await delay(retryDelay(deps.retry, attempt, ncpError), deps.shutdown);
      }
    }
  };
}

/**
 * A service answer with a retryable code (NCP_RETRYABLE_CODES, e.g. `1000` "try again later"):
 * NCP answered that it did not do it. Gateway codes (3 digits, e.g. `500` Endpoint Error) are
 * not: the gateway may have passed the call on before it failed.
 */
function busy(error: NcpError): boolean {
  return error.kind === 'server' && error.httpStatus !== undefined && /^\d{4,}$/.test(error.code);
}
