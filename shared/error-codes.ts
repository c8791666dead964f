/**
 * The error codes the product itself writes into an outcome's `error.code`, beside those NCP
 * answers with (its `returnCode`/`errorCode`, e.g. `1000`, `5001017`, `400`) and the transport's
 * own (`ECONNRESET`, `UND_ERR_SOCKET`, ...), which pass through as they come.
 *
 * The HTTP API's own codes (`{ "error": { "code" } }` answers) are in {@link API_ERROR_CODES}.
 *
 * Every code of our own is named here, with its kind and what it means; code that writes one
 * uses the literal, and `test/unit/error-codes.test.ts` fails for a literal not registered here
 * or a registered code the README's table of codes does not explain.
 */
import type { ErrorKind } from './contract.ts';

interface ErrorCodeInfo {
  /** The kind outcomes carry with it (which decides whether it is retried). */
  kind: ErrorKind;
  /** Where it comes from, in a phrase. */
  meaning: string;
}

export const ERROR_CODES = {
  // The contract (exports and discoveries).
  ERR_CONTRACT: { kind: 'invalid', meaning: 'the job data breaks the contract' },
  // The NCP client, before or instead of an answer.
  INVALID_API: { kind: 'invalid', meaning: 'an API family other than vredis or vcache' },
  INVALID_ACTION: { kind: 'invalid', meaning: 'an action that is not an NCP action name' },
  INVALID_PATH: { kind: 'invalid', meaning: 'a request path that is not a plain path' },
  INVALID_PARAMETER: { kind: 'invalid', meaning: 'a query parameter that cannot be sent' },
  TIMEOUT: { kind: 'timeout', meaning: 'no complete answer within NCP_TIMEOUT_MS' },
  NETWORK_ERROR: { kind: 'network', meaning: 'a transport failure that carries no code' },
  RESPONSE_TOO_LARGE: { kind: 'protocol', meaning: 'an answer larger than the client reads' },
  // The NCP client, reading an answer.
  MISSING_RETURN_CODE: { kind: 'protocol', meaning: 'an answer of NCP shape without returnCode' },
  MALFORMED_BODY: { kind: 'protocol', meaning: 'an answer that is not readable XML or JSON' },
  UNEXPECTED_BODY: { kind: 'protocol', meaning: "an answer of neither of NCP's shapes" },
  HTTP_: { kind: 'protocol', meaning: 'HTTP_<status>: an HTTP error without an NCP error body' },
  // The worker.
  WORKER_ERROR: { kind: 'network', meaning: 'an unexpected error before NCP answered' },
  PAUSED: {
    kind: 'throttled',
    meaning: 'the global throttling pause outlasts EXPORT_THROTTLE_MAX_WAIT_MS',
  },
  AUTH_PAUSED: { kind: 'auth', meaning: 'auth errors pause every worker' },
  STALLED: {
    kind: 'timeout',
    meaning: 'its workers kept dying past WORKER_MAX_STALLED_COUNT; BullMQ failed it',
  },
  TOO_MANY_STARTS: { kind: 'timeout', meaning: 'started more often than the worker allows' },
  QUEUE_FAILED: { kind: 'timeout', meaning: 'BullMQ failed the job for another reason' },
  // Discovery.
  UNREADABLE_INSTANCE: {
    kind: 'protocol',
    meaning: 'an instance list item without a readable instance number',
  },
  NO_BACKUP_TIME: { kind: 'protocol', meaning: 'backups listed without a readable time' },
  NO_FILE_NAME: { kind: 'protocol', meaning: 'a backup listed without a fileName' },
  BAD_FILE_NAME: { kind: 'invalid', meaning: 'a listed file name the contract refuses' },
  FRESH_BACKUP_NOT_FOUND: {
    kind: 'timeout',
    meaning: 'no new manual backup listed within DISCOVERY_FRESH_TIMEOUT_MS (--fresh)',
  },
  FRESH_UNSUPPORTED: { kind: 'invalid', meaning: 'a worker without fresh backup settings' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The registry's entry for a code (`HTTP_503` is `HTTP_`), or undefined for NCP's own. */
export function errorCodeInfo(code: string): ErrorCodeInfo | undefined {
  const key = code.startsWith('HTTP_') ? 'HTTP_' : code;
  return Object.hasOwn(ERROR_CODES, key) ? ERROR_CODES[key as ErrorCode] : undefined;
}

/** The codes of the HTTP API's error answers, with their status. */
export const API_ERROR_CODES = {
  ERR_VALIDATION: { status: 400, meaning: 'the body breaks the contract; every field named' },
  ERR_INVALID_JSON: { status: 400, meaning: 'the body is not JSON, or repeats a key' },
  ERR_BAD_REQUEST: { status: 400, meaning: 'another problem of the request' },
  ERR_UNAUTHORIZED: { status: 401, meaning: 'no valid API_TOKEN' },
  ERR_NOT_FOUND: { status: 404, meaning: 'no such route, job or outcome' },
  ERR_NOT_RETRYABLE: { status: 409, meaning: 'a retry that no re-run can help' },
  ERR_BODY_TOO_LARGE: { status: 413, meaning: 'a body over HTTP_BODY_LIMIT_BYTES' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'a body that is not application/json' },
  ERR_INTERNAL: { status: 500, meaning: 'an unexpected error (logged)' },
  ERR_REDIS_UNAVAILABLE: { status: 503, meaning: 'Redis cannot be reached; Retry-After says when' },
} as const satisfies Record<string, { status: number; meaning: string }>;
