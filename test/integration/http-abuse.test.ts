/**
 * The HTTP service under abuse: token guessing, oversized bodies, slow clients and many
 * connections at once. It must stay up, answer each correctly, and enqueue nothing it refused.
 */
import { connect, type Socket } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

const TOKEN = 'abuse-test-token-3f9a0c';
const request = {
  api: 'vredis',
  instanceNo: '1001',
  fileName: '20240701',
  bucketName: 'cache-backup',
};

describe('HTTP service abuse', () => {
  const redis = testRedisConfig('abuse');
  let service: TestService;
  let queue: Queue;

  beforeAll(async () => {
    service = await startTestService({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      API_TOKEN: TOKEN,
      HTTP_BODY_LIMIT_BYTES: '65536',
    });
    queue = new Queue(EXPORT_QUEUE, { connection: { url: redis.url }, prefix: redis.prefix });
  });

  afterAll(async () => {
    await queue?.close();
    await service?.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('answers 300 wrong or missing tokens with the same 401, and leaks nothing', async () => {
    const guesses = Array.from({ length: 300 }, (_, i) =>
      call(service.url, '/v1/exports', {
        body: request,
        ...(i % 3 === 0 ? {} : { token: i % 3 === 1 ? `${TOKEN.slice(0, -1)}x` : `guess-${i}` }),
      }),
    );
    const answers = await Promise.all(guesses);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers[0]!.text).not.toContain(TOKEN.slice(0, 8));
    expect(await queue.count()).toBe(0);
  });

  it('refuses an oversized body with 413 and stays up', async () => {
    const huge = JSON.stringify(Array.from({ length: 2000 }, () => request));
    expect(huge.length).toBeGreaterThan(65536);
    const answer = await call(service.url, '/v1/exports', { token: TOKEN, body: huge });
    expect(answer.status).toBe(413);
    expect(await queue.count()).toBe(0);
    expect((await call(service.url, '/healthz')).status).toBe(200);
  });

  it('cuts off slow clients with 408 while answering everyone else', async () => {
    // Only here a short request timeout: on a loaded machine, 400 ms also cut off requests of the
    // other tests that the test process read late (a 408 among the 401s or the 404s).
    const strict = await startTestService({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      API_TOKEN: TOKEN,
      HTTP_REQUEST_TIMEOUT_MS: '400',
    });
    try {
      await cutOffSlowClients(strict.url);
    } finally {
      await strict.close();
    }
  });

  async function cutOffSlowClients(url: string): Promise<void> {
    const slow: Socket[] = [];
    const closed: Promise<string>[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.setEncoding('utf8');
      let received = '';
      socket.on('data', (text: string) => {
        received += text;
      });
      closed.push(new Promise((resolve) => socket.on('close', () => resolve(received))));
      // Headers that never finish: a slowloris client.
      socket.write(`POST /v1/exports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`);
      slow.push(socket);
    }
    const meanwhile = await Promise.all(
      Array.from({ length: 20 }, () => call(url, '/v1/outcomes', { token: TOKEN })),
    );
    expect(meanwhile.every((a) => a.status === 200)).toBe(true);
    const cutOff = await Promise.all(closed);
    expect(cutOff.filter((text) => text.startsWith('HTTP/1.1 408'))).toHaveLength(50);
    for (const socket of slow) socket.destroy();
  }

  it('serves 400 requests on 400 connections at once, correctly', async () => {
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        i % 2 === 0
          ? call(service.url, '/v1/exports', {
              token: TOKEN,
              body: { ...request, instanceNo: String(10_000 + i) },
              headers: { connection: 'close' },
            })
          : call(service.url, `/v1/exports/no-such-job-${i}`, {
              token: TOKEN,
              headers: { connection: 'close' },
            }),
      ),
    );
    // Every status that came, so that a failure shows what came instead.
    const statuses: Record<number, number> = {};
    for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    expect(statuses).toEqual({ 202: 200, 404: 200 });
    expect(await queue.count()).toBe(200);
    expect((await call(service.url, '/readyz')).status).toBe(200);
  });
});
