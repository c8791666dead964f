/**
 * A tiny, independent NCP client for the emulator's tests: its own signing (not the project's
 * signer, not the emulator's verifier), undici `request`, raw request targets.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import type { Seed } from '../emulator/index.ts';

export const ACCESS_KEY = 'TEST-ACCESS-KEY';
export const SECRET_KEY = 'test-secret-key';

/** A small seed: two regions, both families, a few backups, two buckets. */
export const TEST_SEED: Seed = {
  credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
  regions: ['KR', 'SGN'],
  buckets: ['cache-backup', 'other-bucket'],
  instances: [
    {
      api: 'vredis',
      instanceNo: '1234511',
      regionCode: 'KR',
      name: 'r1',
      backups: [
        backup('20240702', 'SYSTEM'),
        backup('20240701', 'SYSTEM'),
        backup('manual-1', 'MANUAL'),
      ],
    },
    {
      api: 'vredis',
      instanceNo: '1234522',
      regionCode: 'SGN',
      name: 'r2',
      backups: [backup('20240702', 'SYSTEM')],
    },
    {
      api: 'vcache',
      instanceNo: '2345821',
      regionCode: 'KR',
      name: 'c1',
      backups: [backup('20240702', 'SYSTEM'), backup('manual-1', 'MANUAL')],
    },
  ],
};

function backup(fileName: string, type: 'SYSTEM' | 'MANUAL') {
  return {
    fileName,
    type,
    startTime: '2024-07-02T03:00:00Z',
    endTime: '2024-07-02T03:01:00Z',
    backupSize: 1,
  };
}

/** base64(HMAC-SHA256(secret, "METHOD target\ntimestamp\naccessKey")). */
export function sign(
  method: string,
  target: string,
  timestamp: string,
  accessKey: string,
  secretKey: string,
): string {
  return createHmac('sha256', secretKey)
    .update(`${method} ${target}\n${timestamp}\n${accessKey}`)
    .digest('base64');
}

/** How to send (or spoil) one call. */
export interface CallOptions {
  method?: string;
  body?: string;
  contentType?: string;
  /** Timestamp to send and sign; default now. */
  timestamp?: number | string;
  accessKey?: string;
  secretKey?: string;
  /** Target to sign, when it should differ from the one sent. */
  signTarget?: string;
  /** Auth headers to leave out. */
  omit?: string[];
  /** Replaces the computed signature. */
  signature?: string;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

/** An answer, body read as text. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one signed call to `origin` with the raw request target `target`. */
export async function call(
  origin: string,
  target: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const method = options.method ?? 'GET';
  const timestamp = String(options.timestamp ?? Date.now());
  const accessKey = options.accessKey ?? ACCESS_KEY;
  const signature =
    options.signature ??
    sign(
      method,
      options.signTarget ?? target,
      timestamp,
      accessKey,
      options.secretKey ?? SECRET_KEY,
    );
  const headers: Record<string, string> = {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': accessKey,
    'x-ncp-apigw-signature-v2': signature,
  };
  for (const name of options.omit ?? []) delete headers[name];
  if (options.contentType) headers['content-type'] = options.contentType;
  // Dispatcher.request sends `path` as given: the bytes on the wire are the bytes signed.
  const res = await (options.dispatcher ?? getGlobalDispatcher()).request({
    origin,
    path: target,
    method: method as Dispatcher.HttpMethod,
    headers,
    body: options.body ?? null,
    signal: options.signal ?? null,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/**
 * Query string of `params`, every value percent-encoded as RFC 3986 unreserved-only: undici
 * (WHATWG URL) would otherwise turn a raw `'` into `%27` on the wire, after it was signed.
 */
export function query(params: Record<string, string>): string {
  const encode = (text: string) =>
    encodeURIComponent(text).replace(
      /[!'()*]/g,
      (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  return Object.entries(params)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
}

/** Valid export parameters of the test seed's first vredis (or vcache) instance. */
export function exportParams(api: 'vredis' | 'vcache' = 'vredis'): Record<string, string> {
  return api === 'vredis'
    ? {
        regionCode: 'KR',
        fileName: '20240702',
        bucketName: 'cache-backup',
        cloudRedisInstanceNo: '1234511',
        backupTypeMode: 'SYSTEM',
      }
    : {
        regionCode: 'KR',
        fileName: '20240702',
        bucketName: 'cache-backup',
        cloudCacheInstanceNo: '2345821',
        backupTypeMode: 'SYSTEM',
      };
}

/** Request target of an export call with `params`. */
export function exportTarget(api: 'vredis' | 'vcache', params: Record<string, string>): string {
  return `/${api}/v2/exportBackupToObjectStorage?${query(params)}`;
}

/** The exact XML success body NCP documents. */
export function xmlSuccess(requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<exportBackupToObjectStorageResponse>
    <requestId>${requestId}</requestId>
    <returnCode>0</returnCode>
    <returnMessage>success</returnMessage>
</exportBackupToObjectStorageResponse>
`;
}

/** The exact XML service error body. */
export function xmlError(returnCode: string, returnMessage: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<responseError>
    <returnCode>${returnCode}</returnCode>
    <returnMessage>${returnMessage}</returnMessage>
</responseError>
`;
}

/** Waits until `performance.now()` reaches `at`. */
export async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await sleep(wait);
}

/** A seeded PRNG (mulberry32), for reproducible fault draws. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
