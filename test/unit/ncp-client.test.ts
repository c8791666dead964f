import { createHmac } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, MockAgent } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExportRequest } from '../../shared/contract.ts';
import { createNcpClient, NcpClient, type NcpClientOptions } from '../../shared/ncp/client.ts';
import { NcpError } from '../../shared/ncp/errors.ts';

const ORIGIN = 'https://ncloud.apigw.ntruss.com';
const ACCESS_KEY = 'AK-test-access';
const SECRET_KEY = 'SK-test-secret-0123456789';
const T0 = 1_700_000_000_000;
const BASE: NcpClientOptions = {
  apiUrl: ORIGIN,
  accessKey: ACCESS_KEY,
  secretKey: SECRET_KEY,
  responseFormat: 'json',
  timeoutMs: 2000,
  maxResponseBytes: 4096,
  now: () => T0,
};
const OK = (action: string) =>
  `{"${action}Response":{"requestId":"req-1","returnCode":"0","returnMessage":"success"}}`;

interface Sent {
  path: string;
  headers: Record<string, string>;
}

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A client on a MockAgent that refuses the network; `sent` records each raw request. */
function setup(options: Partial<NcpClientOptions> = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  cleanup.push(() => agent.close());
  const pool = agent.get(ORIGIN);
  const sent: Sent[] = [];
  let clock = T0;
  const client = new NcpClient({ ...BASE, dispatcher: agent, now: () => clock, ...options });
  const reply = (statusCode: number, data: string, headers: Record<string, string> = {}) =>
    pool.intercept({ path: () => true, method: 'GET' }).reply((opts) => {
      sent.push({ path: opts.path, headers: { ...(opts.headers as Record<string, string>) } });
      return { statusCode, data, responseOptions: { headers } };
    });
  const tick = (ms: number) => {
    clock += ms;
  };
  return { agent, pool, client, sent, reply, tick };
}

/** HMAC computed here, independently of the signer under test. */
function signatureFor(path: string, timestamp: string): string {
  const message = `GET ${path}\n${timestamp}\n${ACCESS_KEY}`;
  return createHmac('sha256', SECRET_KEY).update(message).digest('base64');
}

function expectSignedFor(request: Sent, timestamp: string): void {
  expect(request.headers).toStrictEqual({
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': ACCESS_KEY,
    'x-ncp-apigw-signature-v2': signatureFor(request.path, timestamp),
  });
}

/** Awaits a rejection that must be an NcpError, free of the secret, and summarizes it. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(NcpError);
  const e = error as NcpError;
  expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(SECRET_KEY);
  return `${e.kind} ${e.code} ${e.httpStatus} ${e.retryAfterMs} | ${e.message}`;
}

const request = (over: Partial<ExportRequest> = {}): ExportRequest => ({
  api: 'vcache',
  instanceNo: '1234821',
  fileName: '20240702',
  bucketName: 'cache-backup',
  backupTypeMode: 'SYSTEM',
  ...over,
});

describe('NcpClient.call', () => {
  it('sends the exact signed request target and resolves the success', async () => {
    const { client, sent, reply } = setup();
    reply(200, OK('getCloudCacheBucketList'));
    const response = await client.call('vcache', 'getCloudCacheBucketList', {
      cloudCacheInstanceNo: '42',
      note: "it's a b+c&d=e~*",
      skipped: undefined,
      responseFormatType: 'xml',
    });
    expect(response).toStrictEqual({
      httpStatus: 200,
      requestId: 'req-1',
      returnCode: '0',
      returnMessage: 'success',
      body: { requestId: 'req-1', returnCode: '0', returnMessage: 'success' },
    });
    expect(sent.map((s) => s.path)).toStrictEqual([
      '/vcache/v2/getCloudCacheBucketList?cloudCacheInstanceNo=42' +
        '&note=it%27s%20a%20b%2Bc%26d%3De~%2A&responseFormatType=json',
    ]);
    expectSignedFor(sent[0]!, String(T0));
  });

  it('signs every call afresh with the current timestamp', async () => {
    const { client, sent, reply, tick } = setup();
    reply(503, '{"error":{"errorCode":"500","message":"Endpoint Error"}}');
    reply(200, OK('getCloudRedisBackupList'));
    await failure(client.call('vredis', 'getCloudRedisBackupList', { regionCode: 'KR' }));
    tick(1234);
    await client.call('vredis', 'getCloudRedisBackupList', { regionCode: 'KR' });
    expect(sent.map((s) => s.path)).toStrictEqual([
      '/vredis/v2/getCloudRedisBackupList?regionCode=KR&responseFormatType=json',
      '/vredis/v2/getCloudRedisBackupList?regionCode=KR&responseFormatType=json',
    ]);
    expectSignedFor(sent[0]!, String(T0));
    expectSignedFor(sent[1]!, String(T0 + 1234));
    const [first, second] = sent.map((s) => s.headers['x-ncp-apigw-signature-v2']);
    expect(first).not.toBe(second);
  });

  it('throws classified errors with status, code and Retry-After', async () => {
    const { client, reply } = setup();
    reply(429, '{"error":{"errorCode":"420","message":"Rate Limited"}}', { 'retry-after': '3' });
    reply(401, '{"error":{"errorCode":"200","message":"Authentication Failed"}}');
    reply(400, '{"responseError":{"returnCode":"1007009","returnMessage":"no such file"}}');
    reply(500, '{"responseError":{"returnCode":"1000","returnMessage":"try again later"}}');
    const next = () => failure(client.call('vcache', 'getRegionList', {}));
    expect(await next()).toBe(
      'throttled 420 429 3000 | getRegionList: HTTP 429, errorCode 420: Rate Limited',
    );
    expect(await next()).toBe(
      'auth 200 401 undefined | getRegionList: HTTP 401, errorCode 200: Authentication Failed',
    );
    expect(await next()).toBe(
      'invalid 1007009 400 undefined | getRegionList: HTTP 400, returnCode 1007009: no such file',
    );
    expect(await next()).toBe(
      'server 1000 500 undefined | getRegionList: HTTP 500, returnCode 1000: try again later',
    );
  });

  it('times out the whole call with kind timeout, code TIMEOUT', async () => {
    const { client, pool } = setup({ timeoutMs: 50 });
    pool
      .intercept({ path: () => true })
      .reply(200, OK('getRegionList'))
      .delay(2000);
    expect(await failure(client.call('vcache', 'getRegionList', {}))).toBe(
      'timeout TIMEOUT undefined undefined | getRegionList: no complete answer within 50 ms',
    );
  });

  it("rethrows the caller's abort reason as is, in flight or before sending", async () => {
    const { client, pool, sent } = setup();
    pool
      .intercept({ path: () => true })
      .reply(200, OK('getRegionList'))
      .delay(2000);
    const controller = new AbortController();
    const reason = new Error('worker shutting down');
    setTimeout(() => controller.abort(reason), 20);
    const call = client.call('vcache', 'getRegionList', {}, { signal: controller.signal });
    await expect(call).rejects.toBe(reason);
    const signal = AbortSignal.abort(reason);
    await expect(client.call('vcache', 'getRegionList', {}, { signal })).rejects.toBe(reason);
    expect(sent).toHaveLength(0);
  });

  it('caps the body whether its length is declared or only found reading', async () => {
    const { client, reply } = setup({ maxResponseBytes: 100 });
    // Declared too large: refused from the header, before any byte is read.
    reply(200, OK('getRegionList'), { 'content-length': '5000' });
    reply(200, `{"getRegionListResponse":{"pad":"${'x'.repeat(200)}"}}`);
    for (let i = 0; i < 2; i++) {
      expect(await failure(client.call('vcache', 'getRegionList', {}))).toBe(
        'protocol RESPONSE_TOO_LARGE 200 undefined | getRegionList: HTTP 200 answer exceeds 100 bytes',
      );
    }
  });

  it('turns socket errors into kind network with their code, redacting secrets', async () => {
    const { client, pool } = setup();
    const signature = signatureFor('/vcache/v2/getRegionList?responseFormatType=json', String(T0));
    const leak = new Error(`boom ${SECRET_KEY} ${signature}`);
    const cases: Array<[Error, string]> = [
      [Object.assign(leak, { code: 'ECONNRESET' }), 'ECONNRESET (boom [redacted] [redacted])'],
      [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED (refused)'],
      [new errors.SocketError('other side closed'), 'UND_ERR_SOCKET (other side closed)'],
      [new Error('mystery'), 'NETWORK_ERROR (mystery)'],
    ];
    for (const [cause, message] of cases) {
      pool.intercept({ path: () => true }).replyWithError(cause);
      const code = message.split(' ')[0];
      expect(await failure(client.call('vcache', 'getRegionList', {}))).toBe(
        `network ${code} undefined undefined | getRegionList: ${message}`,
      );
    }
    pool.intercept({ path: () => true }).replyWithError(new errors.HeadersTimeoutError());
    expect(await failure(client.call('vcache', 'getRegionList', {}))).toMatch(
      /^timeout UND_ERR_HEADERS_TIMEOUT undefined undefined \| getRegionList: /,
    );
  });

  it('refuses unknown families, odd action names and bad values before sending', async () => {
    const { client, sent } = setup();
    const bad = (api: string, action: string, params: Record<string, string> = {}) =>
      failure(client.call(api as 'vcache', action, params));
    expect(await bad('vdb', 'getRegionList')).toMatch(/^invalid INVALID_API /);
    expect(await bad('vcache', '../vredis/v2/x')).toMatch(/^invalid INVALID_ACTION /);
    expect(await bad('vcache', 'getRegionList', { a: 'x\ny' })).toMatch(/^invalid INVALID_PARAM/);
    expect(sent).toHaveLength(0);
  });
});

describe('NcpClient.exportBackup', () => {
  it.each([
    ['vcache', {}, {}, 'cloudCacheInstanceNo', ''],
    ['vredis', { regionCode: 'SGN' }, { defaultRegion: 'KR' }, 'cloudRedisInstanceNo', 'SGN'],
    ['vredis', {}, { defaultRegion: 'JPN' }, 'cloudRedisInstanceNo', 'JPN'],
  ] as const)('%s %j %j', async (api, over, options, instanceParam, region) => {
    const { client, sent, reply } = setup();
    reply(200, OK('exportBackupToObjectStorage'));
    const response = await client.exportBackup(request({ api, ...over }), options);
    expect(response.returnCode).toBe('0');
    expect(sent[0]!.path).toBe(
      `/${api}/v2/exportBackupToObjectStorage?${region && `regionCode=${region}&`}` +
        `fileName=20240702&bucketName=cache-backup&${instanceParam}=1234821` +
        '&backupTypeMode=SYSTEM&responseFormatType=json',
    );
    expectSignedFor(sent[0]!, String(T0));
  });

  it("falls back to the config's region via createNcpClient; leaves a lent dispatcher open", async () => {
    const { agent, sent, reply } = setup();
    const config = {
      ...BASE,
      region: 'DEN',
      responseFormat: 'xml' as const,
      retryableCodes: new Set(['1000']),
    };
    const client = createNcpClient(config, { dispatcher: agent, now: () => T0 + 1 });
    reply(200, OK('exportBackupToObjectStorage'));
    await client.exportBackup(request({ backupTypeMode: 'MANUAL' }));
    expect(sent[0]!.path).toBe(
      '/vcache/v2/exportBackupToObjectStorage?regionCode=DEN&fileName=20240702' +
        '&bucketName=cache-backup&cloudCacheInstanceNo=1234821&backupTypeMode=MANUAL' +
        '&responseFormatType=xml',
    );
    expectSignedFor(sent[0]!, String(T0 + 1));
    const close = vi.spyOn(agent, 'close');
    await client.close();
    expect(close).not.toHaveBeenCalled();
  });
});

describe('NcpClient construction', () => {
  it.each([
    [{ apiUrl: `${ORIGIN}/vcache` }, 'NcpClient: apiUrl must be scheme, host and port only'],
    [{ apiUrl: 'not a url' }, 'NcpClient: apiUrl "not a url" is not a URL'],
    [{ timeoutMs: 0 }, 'NcpClient: timeoutMs must be a positive number, got 0'],
    [{ maxResponseBytes: Number.NaN }, 'NcpClient: maxResponseBytes must be a positive number'],
    [{ secretKey: '' }, 'NcpClient: secretKey is required'],
  ])('rejects %j', (over, message) => {
    expect(() => new NcpClient({ ...BASE, ...over })).toThrow(message);
  });

  it('keeps the secret out of sight', () => {
    const client = new NcpClient(BASE);
    cleanup.push(() => client.close());
    expect(JSON.stringify(client)).not.toContain(SECRET_KEY);
    expect(Object.values(client)).not.toContain(SECRET_KEY);
  });
});

describe('NcpClient on a real loopback socket', () => {
  async function serve(handler: RequestListener): Promise<string> {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    cleanup.push(() => server.closeAllConnections());
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function ownClient(apiUrl: string, over: Partial<NcpClientOptions> = {}): NcpClient {
    const client = new NcpClient({ ...BASE, apiUrl, ...over });
    cleanup.push(() => client.close());
    return client;
  }

  it('puts on the wire exactly the target it signed', async () => {
    const seen: Sent[] = [];
    const url = await serve((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers as Record<string, string> });
      res.end(OK('getRegionList'));
    });
    await ownClient(url).call('vcache', 'getRegionList', { q: "é ü/?#[]!'()*" });
    expect(seen[0]!.path).toBe(
      '/vcache/v2/getRegionList?q=%C3%A9%20%C3%BC%2F%3F%23%5B%5D%21%27%28%29%2A' +
        '&responseFormatType=json',
    );
    const signature = seen[0]!.headers['x-ncp-apigw-signature-v2'];
    expect(signature).toBe(signatureFor(seen[0]!.path, String(T0)));
  });

  it('stops reading an endless body at the cap, and times out a stalled one', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('stall')) return void res.write('{');
      const timer = setInterval(() => res.write('x'.repeat(1024)), 1);
      res.on('close', () => clearInterval(timer));
    });
    const client = ownClient(url, { timeoutMs: 300 });
    expect(await failure(client.call('vcache', 'getRegionList', {}))).toMatch(
      /^protocol RESPONSE_TOO_LARGE 200 /,
    );
    expect(await failure(client.call('vcache', 'getRegionList', { stall: '1' }))).toMatch(
      /^timeout TIMEOUT undefined undefined /,
    );
  });

  it('reports a refused connection as kind network, code ECONNREFUSED', async () => {
    const url = await serve((_req, res) => res.end());
    for (const step of cleanup.splice(0).reverse()) await step();
    expect(await failure(ownClient(url).call('vcache', 'getRegionList', {}))).toMatch(
      /^network ECONNREFUSED undefined undefined \| getRegionList: ECONNREFUSED/,
    );
  });
});
