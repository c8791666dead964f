/**
 * NCP API Gateway signature v2.
 *
 * String to sign: `METHOD + " " + pathWithQuery + "\n" + timestamp + "\n" + accessKey`, where
 * `pathWithQuery` is the request target exactly as sent (no scheme or host). Signature: standard
 * Base64 of HMAC-SHA256 keyed with the secret key (UTF-8). The gateway rejects a timestamp 5
 * minutes or more off its clock, and the timestamp header must equal the signed timestamp, so a
 * request is signed afresh for every attempt.
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-ncp-apigw-timestamp';
export const ACCESS_KEY_HEADER = 'x-ncp-iam-access-key';
export const SIGNATURE_HEADER = 'x-ncp-apigw-signature-v2';

/** What one signature covers, plus the key pair. */
export interface SignInput {
  /** HTTP method as sent, e.g. `GET`. */
  method: string;
  /** Request target as sent: path and `?query` if any, e.g. `/vcache/v2/x?a=1`. */
  pathWithQuery: string;
  /** Milliseconds since the Unix epoch, as a decimal string. */
  timestamp: string;
  accessKey: string;
  secretKey: string;
}

/** The three authentication headers of a signed NCP request. */
export interface SignedHeaders {
  [TIMESTAMP_HEADER]: string;
  [ACCESS_KEY_HEADER]: string;
  [SIGNATURE_HEADER]: string;
}

/**
 * Computes the signature v2 of one request: Base64 HMAC-SHA256 over
 * `METHOD pathWithQuery\ntimestamp\naccessKey`. Throws a `TypeError` (naming the field, never
 * its value) if a signed field contains a line break, which would change what the lines mean.
 */
export function signRequest(input: SignInput): string {
  const { method, pathWithQuery, timestamp, accessKey, secretKey } = input;
  for (const [field, value] of [
    ['method', method],
    ['pathWithQuery', pathWithQuery],
    ['timestamp', timestamp],
    ['accessKey', accessKey],
  ] as const) {
    if (/[\r\n]/.test(value)) throw new TypeError(`cannot sign: ${field} contains a line break`);
  }
  if (!/^\d+$/.test(timestamp)) {
    throw new TypeError('cannot sign: timestamp must be milliseconds as a decimal string');
  }
  const message = `${method} ${pathWithQuery}\n${timestamp}\n${accessKey}`;
  return createHmac('sha256', secretKey).update(message, 'utf8').digest('base64');
}

/** The headers that authenticate a request: timestamp, access key and signature. */
export function signedHeaders(input: SignInput): SignedHeaders {
  return {
    [TIMESTAMP_HEADER]: input.timestamp,
    [ACCESS_KEY_HEADER]: input.accessKey,
    [SIGNATURE_HEADER]: signRequest(input),
  };
}
