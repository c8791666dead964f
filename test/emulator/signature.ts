/**
 * API Gateway signature v2, checked the way NCP's gateway does. Written on its own with
 * node:crypto, on purpose: it must not share code (or bugs) with the project's signer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The three auth headers of NCP's API gateway. */
export const AUTH_HEADERS = {
  timestamp: 'x-ncp-apigw-timestamp',
  accessKey: 'x-ncp-iam-access-key',
  signature: 'x-ncp-apigw-signature-v2',
} as const;

/** A request whose timestamp is this far or farther from the gateway clock is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Outcome of {@link authenticate}; `details` tells an operator what was wrong. */
export type AuthResult = { ok: true; accessKey: string } | { ok: false; details: string };

/** What {@link authenticate} looks at. */
export interface AuthInput {
  method: string;
  /** The request target exactly as received (path and `?query`), i.e. `req.url`. */
  target: string;
  headers: IncomingHttpHeaders;
  /** Secret key of an access key, or undefined when the key is unknown. */
  secretFor: (accessKey: string) => string | undefined;
  /** The gateway clock, ms since epoch. */
  gatewayNow: number;
}

/**
 * base64(HMAC-SHA256(secretKey, `METHOD target\ntimestamp\naccessKey`)).
 */
export function computeSignature(
  secretKey: string,
  method: string,
  target: string,
  timestamp: string,
  accessKey: string,
): string {
  return createHmac('sha256', secretKey)
    .update(`${method} ${target}\n${timestamp}\n${accessKey}`, 'utf8')
    .digest('base64');
}

/** Checks the auth headers of one request. Never throws. */
export function authenticate(input: AuthInput): AuthResult {
  const timestamp = header(input.headers, AUTH_HEADERS.timestamp);
  const accessKey = header(input.headers, AUTH_HEADERS.accessKey);
  const signature = header(input.headers, AUTH_HEADERS.signature);
  if (timestamp === undefined || accessKey === undefined || signature === undefined) {
    const missing = Object.values(AUTH_HEADERS).filter((name) => !header(input.headers, name));
    return { ok: false, details: `Missing required header: ${missing.join(', ')}` };
  }
  if (!/^[0-9]{1,16}$/.test(timestamp)) {
    return {
      ok: false,
      details: `Invalid timestamp: ${AUTH_HEADERS.timestamp} must be milliseconds since the epoch, got "${clip(timestamp)}"`,
    };
  }
  const skew = Number(timestamp) - input.gatewayNow;
  if (Math.abs(skew) >= MAX_CLOCK_SKEW_MS) {
    return {
      ok: false,
      details:
        'Invalid timestamp: the request time differs from the server time by more than 5 minutes ' +
        `(request ${new Date(Number(timestamp)).toISOString()}, server ${new Date(input.gatewayNow).toISOString()})`,
    };
  }
  const secretKey = input.secretFor(accessKey);
  if (secretKey === undefined) {
    return { ok: false, details: `Invalid access key: "${clip(accessKey)}" is not a known key` };
  }
  const expected = computeSignature(secretKey, input.method, input.target, timestamp, accessKey);
  const given = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return {
      ok: false,
      details: `Invalid signature: it does not match the request the gateway received (${clip(`${input.method} ${input.target}`, 300)})`,
    };
  }
  return { ok: true, accessKey };
}

/** A header's value; empty or repeated headers count as missing or as-is. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
