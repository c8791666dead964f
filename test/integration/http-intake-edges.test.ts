/**
 * The HTTP service's intake at its edges: repeated JSON keys refused by name, bodies that are not
 * JSON refused with 415, `__proto__` refused by name, and a Redis that is down answered with 503
 * and Retry-After at once (not a 500 after ioredis' retries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { deletePrefix, uniquePrefix, waitFor } from '../helpers/redis.ts';
import { type PrivateRedis, privateRedis } from '../helpers/redis-server.ts';

const TOKEN = 'intake-edges-token-7c1d2e';
const REQUEST = { api: 'vredis', instanceNo: '1', fileName: 'f', bucketName: 'abc' };
const text = JSON.stringify(REQUEST);

describe('HTTP intake edges', () => {
  const prefix = uniquePrefix('intake');
  let redis: PrivateRedis;
  let service: TestService;

  beforeAll(async () => {
    redis = await privateRedis();
    service = await startTestService({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      NCP_REGION: 'KR',
      API_TOKEN: TOKEN,
    });
  });
  afterAll(async () => {
    await service?.close();
    await deletePrefix(redis.url, prefix).catch(() => {});
    await redis?.dispose();
  });

  const post = (body: string, contentType = 'application/json') =>
    call(service.url, '/v1/exports', {
      token: TOKEN,
      body,
      headers: { 'content-type': contentType },
    });

  it('refuses a key named twice, naming it and the item', async () => {
    const twice = `{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","api":"vcache"}`;
    const answer = await post(`[${text},${twice}]`);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      error: {
        code: 'ERR_VALIDATION',
        message: '1 invalid field(s); nothing was enqueued',
        issues: [
          {
            in: 'body',
            index: 1,
            field: 'api',
            message: 'appears twice in the same object; JSON would keep only the last value',
          },
        ],
      },
    });
    const nested = await post(text.replace('}', ',"meta":{"t":1,"t":2}}'));
    expect(nested.status).toBe(400);
    expect(nested.json).toMatchObject({ error: { issues: [{ in: 'body', field: 'meta.t' }] } });
  });

  it('answers 415 to a body that is not application/json', async () => {
    const answer = await post(text, 'text/plain');
    expect(answer.status).toBe(415);
    expect(answer.json).toEqual({
      error: {
        code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
        message: 'Content-Type "text/plain" is not accepted; send application/json',
      },
    });
  });

  it('refuses __proto__ in meta by name, and takes constructor as data', async () => {
    const proto = await post(text.replace('}', ',"meta":{"__proto__":{"x":1}}}'));
    expect(proto.status).toBe(400);
    expect(proto.json).toMatchObject({
      error: {
        issues: [
          {
            in: 'body',
            field: 'meta.__proto__',
            message: 'a key named "__proto__" is not allowed',
          },
        ],
      },
    });
    const data = await post(text.replace('}', ',"meta":{"constructor":{"prototype":1}}}'));
    expect(data.status).toBe(202);
  });

  it('answers 503 with Retry-After while Redis is down, and serves again once it is back', async () => {
    await redis.kill();
    for (const [path, body] of [
      ['/v1/exports', text],
      ['/v1/outcomes', undefined],
    ] as const) {
      const answer = await call(service.url, path, {
        token: TOKEN,
        ...(body === undefined ? {} : { body }),
      });
      expect(answer.status, path).toBe(503);
      expect(answer.headers.get('retry-after'), path).toBe('5');
      expect(answer.json).toMatchObject({ error: { code: 'ERR_REDIS_UNAVAILABLE' } });
    }
    // Without a token, a caller learns nothing about Redis.
    expect((await call(service.url, '/v1/outcomes')).status).toBe(401);
    await redis.start();
    // The service's own readiness says when its connection is back.
    await waitFor('readyz', async () => (await call(service.url, '/readyz')).status === 200);
    expect((await post(text.replace('"1"', '"2"'))).status).toBe(202);
  });
});
