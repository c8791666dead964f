/** NCP errors as the client classifies them, for unit tests of the code that calls NCP. */
import { NcpError } from '../../shared/ncp/index.ts';

/** A 429 (errorCode 420), with NCP's Retry-After if given. */
export const throttledError = (retryAfterMs?: number): NcpError =>
  new NcpError({
    kind: 'throttled',
    code: '420',
    message: 'Rate Limited',
    httpStatus: 429,
    retryAfterMs,
  });

/** A 500 with service code 1000 (retryable). */
export const serverError = (): NcpError =>
  new NcpError({ kind: 'server', code: '1000', message: 'try again', httpStatus: 500 });

/** A 401 with errorCode 200. */
export const authError = (): NcpError =>
  new NcpError({ kind: 'auth', code: '200', message: 'Authentication Failed', httpStatus: 401 });
