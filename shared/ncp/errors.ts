import { type ErrorKind, type OutcomeError, RETRYABLE_KINDS } from '../contract.ts';

export interface NcpErrorDetails {
  kind: ErrorKind;
  /** Gateway `errorCode`, service `returnCode`, or a transport code such as `ECONNRESET`. */
  code: string;
  message: string;
  /** HTTP status of the answer; undefined when none arrived (network, timeout). */
  httpStatus?: number | undefined;
  /** Wait NCP asked for (`Retry-After`), in milliseconds from when the answer arrived. */
  retryAfterMs?: number | undefined;
  /** NCP requestId, when the error body carried one. */
  requestId?: string | undefined;
  cause?: unknown;
}

/**
 * A failed NCP call, classified. `retryable` follows from `kind`: throttling, server errors,
 * network errors and timeouts may succeed later; auth, invalid and protocol errors will not.
 */
export class NcpError extends Error {
  override readonly name = 'NcpError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;

  constructor(details: NcpErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    this.code = details.code;
    this.httpStatus = details.httpStatus;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }

  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }

  /** The error as an outcome record carries it. */
  toOutcomeError(): OutcomeError {
    return { kind: this.kind, code: this.code, message: this.message, retryable: this.retryable };
  }
}

export function isNcpError(error: unknown): error is NcpError {
  return error instanceof NcpError;
}
