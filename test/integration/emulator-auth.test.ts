import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { authenticate, computeSignature } from '../emulator/signature.ts';
import { call, exportParams, exportTarget, query, TEST_SEED } from './emulator-client.ts';

const MIN = 60_000;
const TARGET = exportTarget('vredis', exportParams('vredis'));

let emulator: Emulator;
afterEach(async () => {
  await emulator?.close();
});

function authFailed(details: string): unknown {
  return { error: { errorCode: '200', message: 'Authentication Failed', details } };
}

describe('emulator: signature check', () => {
  // NAVER Cloud Platform's published vectors: NaverCloudPlatform/ncp-iam-authenticator,
  // pkg/token/token_test.go, Test_makeSignature and the signature inside Test_makeToken's token.
  it.each([
    ['/cluster/kubeconfig', 'LTJli9+OKT2KvUXxiKslMfu5FIOmDN83avehOvgUFp0='],
    [
      '/iam/krs-v1/user?clusterUuid=D11328F1-ECA9-4F1B-BA22-921F61D9C5FF',
      'emeahfW4CmzsxIQ5ip0cd9yqERXJ+ZJsRfQpGNmKdXk=',
    ],
  ])('verifies NCP published vector %s', (target, signature) => {
    expect(computeSignature('secret', 'GET', target, '1668407407855', 'access')).toBe(signature);
    const headers = {
      'x-ncp-apigw-timestamp': '1668407407855',
      'x-ncp-iam-access-key': 'access',
      'x-ncp-apigw-signature-v2': signature,
    };
    const input = {
      method: 'GET',
      target,
      headers,
      secretFor: () => 'secret',
      gatewayNow: 1668407407855,
    };
    expect(authenticate(input)).toEqual({ ok: true, accessKey: 'access' });
    expect(authenticate({ ...input, method: 'POST' }).ok).toBe(false);
  });

  it('refuses exactly 5 minutes of skew either way, accepts 1 ms less', () => {
    const timestamp = '1700000000000';
    const target = '/vcache/v2/exportBackupToObjectStorage?fileName=a';
    const headers = {
      'x-ncp-apigw-timestamp': timestamp,
      'x-ncp-iam-access-key': 'AK',
      'x-ncp-apigw-signature-v2': computeSignature('SK', 'GET', target, timestamp, 'AK'),
    };
    const at = (gatewayNow: number) =>
      authenticate({ method: 'GET', target, headers, secretFor: () => 'SK', gatewayNow }).ok;
    expect([at(1700000000000 + 5 * MIN), at(1700000000000 - 5 * MIN)]).toEqual([false, false]);
    expect([at(1700000000000 + 5 * MIN - 1), at(1700000000000 - 5 * MIN + 1)]).toEqual([
      true,
      true,
    ]);
  });
});

describe('emulator: gateway auth', () => {
  it.each([['x-ncp-apigw-timestamp'], ['x-ncp-iam-access-key'], ['x-ncp-apigw-signature-v2']])(
    'refuses a request without %s',
    async (header) => {
      emulator = await startEmulator({ seed: TEST_SEED });
      const res = await call(emulator.url, TARGET, { omit: [header] });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(JSON.parse(res.body)).toEqual(authFailed(`Missing required header: ${header}`));
    },
  );

  it('lists every missing header', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const res = await call(emulator.url, TARGET, {
      omit: ['x-ncp-apigw-timestamp', 'x-ncp-apigw-signature-v2'],
    });
    expect(JSON.parse(res.body)).toEqual(
      authFailed('Missing required header: x-ncp-apigw-timestamp, x-ncp-apigw-signature-v2'),
    );
  });

  it('refuses a bad signature, and a signature over another query, in JSON even when XML was asked', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const target = exportTarget('vredis', { ...exportParams('vredis'), responseFormatType: 'xml' });
    const expected = authFailed(
      `Invalid signature: it does not match the request the gateway received (GET ${target})`,
    );
    const bad = await call(emulator.url, target, {
      signature: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toEqual(expected);
    const otherQuery = target.replace('cache-backup', 'other-bucket');
    const resigned = await call(emulator.url, target, { signTarget: otherQuery });
    expect(JSON.parse(resigned.body)).toEqual(expected);
    const wrongSecret = await call(emulator.url, target, { secretKey: 'not-the-secret' });
    expect(JSON.parse(wrongSecret.body)).toEqual(expected);
    const short = await call(emulator.url, target, { signature: 'abc' });
    expect(JSON.parse(short.body)).toEqual(expected);
  });

  it('signs the raw target: percent-encoding is part of what is signed', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const params = { ...exportParams('vredis'), fileName: 'a+b~c' };
    const encoded = `/vredis/v2/exportBackupToObjectStorage?${query(params).replace('%7E', '%7e')}`;
    const ok = await call(emulator.url, encoded);
    expect(ok.status).toBe(400); // past auth: the service does not know that backup
    const decoded = await call(emulator.url, encoded, { signTarget: decodeURIComponent(encoded) });
    expect(decoded.status).toBe(401);
  });

  it('refuses an unknown access key', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const res = await call(emulator.url, TARGET, { accessKey: 'NOBODY', secretKey: 'x' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual(
      authFailed('Invalid access key: "NOBODY" is not a known key'),
    );
  });

  it('refuses a timestamp that is not milliseconds since the epoch', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const res = await call(emulator.url, TARGET, { timestamp: '2024-07-02T00:00:00Z' });
    expect(JSON.parse(res.body)).toEqual(
      authFailed(
        'Invalid timestamp: x-ncp-apigw-timestamp must be milliseconds since the epoch, got "2024-07-02T00:00:00Z"',
      ),
    );
  });

  it('refuses a timestamp 5 minutes or more away from the gateway clock, accepts 4m59s', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    // The gateway reads its clock a little after the client: +5 min needs a margin over HTTP.
    for (const offset of [5 * MIN + 500, -5 * MIN, 6 * MIN, -60 * MIN]) {
      const res = await call(emulator.url, TARGET, { timestamp: Date.now() + offset });
      expect(res.status).toBe(401);
      const { details } = JSON.parse(res.body).error;
      expect(details).toMatch(
        /^Invalid timestamp: the request time differs from the server time by more than 5 minutes \(request \S+Z, server \S+Z\)$/,
      );
    }
    for (const offset of [5 * MIN - 1000, -(5 * MIN - 1000)]) {
      expect((await call(emulator.url, TARGET, { timestamp: Date.now() + offset })).status).toBe(
        200,
      );
    }
    expect(emulator.stats()).toMatchObject({ requests: 6, badSignatures: 4, accepted: 2 });
  });

  it('checks timestamps against its own clock (clockOffsetMs) and dates its answers with it', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, clockOffsetMs: 10 * MIN });
    expect((await call(emulator.url, TARGET)).status).toBe(401);
    const ok = await call(emulator.url, TARGET, { timestamp: Date.now() + 10 * MIN });
    expect(ok.status).toBe(200);
    const skew = Date.parse(String(ok.headers.date)) - Date.now();
    expect(skew).toBeGreaterThan(10 * MIN - 2000);
    expect(skew).toBeLessThan(10 * MIN + 1000);
    emulator.configure({ clockOffsetMs: 0 });
    expect((await call(emulator.url, TARGET)).status).toBe(200);
  });

  it('answers 404 for unknown paths and methods, before auth', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const unknown = await call(emulator.url, '/vredis/v2/nope?x=1', {
      omit: ['x-ncp-iam-access-key'],
    });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({
      error: {
        errorCode: '300',
        message: 'Not Found',
        details: 'No API resource at "/vredis/v2/nope"',
      },
    });
    const put = await call(emulator.url, TARGET, { method: 'PUT' });
    expect(put.status).toBe(404);
    expect(JSON.parse(put.body).error.details).toBe(
      'Method PUT is not supported by /vredis/v2/exportBackupToObjectStorage',
    );
    expect(emulator.stats()).toMatchObject({ requests: 2, notFound: 2, badSignatures: 0 });
  });

  it('does not count refused requests against the rate limit', async () => {
    emulator = await startEmulator({ seed: TEST_SEED, rateLimit: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await call(emulator.url, TARGET, { signature: 'bad' })).status).toBe(401);
    }
    expect((await call(emulator.url, TARGET)).status).toBe(200);
    expect(emulator.stats()).toMatchObject({ requests: 4, badSignatures: 3, throttled: 0 });
  });
});
