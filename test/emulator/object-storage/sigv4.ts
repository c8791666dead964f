/**
 * Checks AWS Signature Version 4 on a request to the Object Storage stand-in, as NCP's
 * S3-compatible store does: the same API key pair signs it, service `s3`, any region name
 * (NCP's are like `kr-standard`). Header-signed requests only (no presigned URLs).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type SigV4Result =
  | { ok: true; accessKey: string }
  | {
      ok: false;
      code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch';
      message: string;
    };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Verifies `req` (path and query as sent) against the key pairs in `secrets` (access → secret). */
export function verifySigV4(
  req: IncomingMessage,
  secrets: ReadonlyMap<string, string>,
  bodyHash: string,
): SigV4Result {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? AUTH.exec(header) : null;
  if (!match)
    return { ok: false, code: 'AccessDenied', message: 'missing or malformed Authorization' };
  const [, accessKey, day, region, signedList, signature] = match as unknown as string[];
  const secret = secrets.get(accessKey!);
  if (secret === undefined) {
    return { ok: false, code: 'InvalidAccessKeyId', message: 'the access key is not known' };
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day!)) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'x-amz-date does not match the credential date',
    };
  }
  const signed = signedList!.split(';');
  if (!signed.includes('host')) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'host is not signed' };
  }
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a, av], [b, bv]) => (a! < b! ? -1 : a! > b! ? 1 : av! < bv! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signed
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonical = [
    req.method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedList,
    String(req.headers['x-amz-content-sha256'] ?? bodyHash),
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secret}`, day!);
  for (const part of [region!, 's3', 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(toSign).digest();
  const given = Buffer.from(signature!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'the signature does not match' };
  }
  return { ok: true, accessKey: accessKey! };
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** RFC 3986 encoding, as SigV4 canonicalizes query names and values. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
