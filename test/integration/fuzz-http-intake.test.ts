/**
 * `POST /v1/exports` on random bodies, against the real Redis: one request or an array of valid,
 * hostile and garbage items, deep meta, prototype-poisoning keys, text that is not JSON, bodies
 * over the limit. Any invalid item means a 400 and nothing enqueued; otherwise a 202 adding
 * exactly the exports not queued yet. Never a 500.
 */
import { Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_QUEUE, exportJobId, parseExportRequest } from '../../shared/contract.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { type RowSpec, rowSpec } from '../unit/fuzz-bulk-rows.ts';

const TOKEN = 'fuzz-http-intake-token';
const BODY_LIMIT = 16 * 1024;

/** The JSON text of one item. */
function itemText(spec: RowSpec): string {
  if (spec.kind === 'valid') return JSON.stringify(spec.request);
  if (spec.kind === 'hostile') return JSON.stringify(spec.data);
  return JSON.stringify(spec.text);
}

const poison = fc.constantFrom(
  '{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","__proto__":{"x":1}}',
  '{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","meta":{"__proto__":{"x":1}}}',
  '{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","meta":{"constructor":{"prototype":{"x":1}}}}',
);
const deep = fc
  .integer({ min: 1, max: 7000 })
  .map(
    (depth) =>
      `{"api":"vredis","instanceNo":"2","fileName":"f","bucketName":"abc","meta":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
  );
const item = fc.oneof(
  { weight: 6, arbitrary: rowSpec.filter((spec) => spec.kind !== 'blank').map(itemText) },
  { weight: 1, arbitrary: poison },
  { weight: 1, arbitrary: deep },
);
const body = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(item, { minLength: 0, maxLength: 12 })
      .map((items) => `[${items.join(',')}]`),
  },
  { weight: 2, arbitrary: item },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(`[${'{"api":"vredis"},'.repeat(BODY_LIMIT / 16)}{}]`) },
);

/** The answer the service owes for `text`, from the contract and the body size limit. */
function expected(text: string, queued: Set<string>) {
  if (Buffer.byteLength(text) > BODY_LIMIT) return { status: 413, ids: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { status: 400, ids: [] };
  }
  // __proto__ and constructor are data to the body parser (as to JSON.parse): the contract
  // refuses a __proto__ key by name and takes constructor.prototype in meta as any other key.
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0 || data === null || typeof data !== 'object')
    return { status: 400, ids: [] };
  const parsed = items.map(parseExportRequest);
  if (!parsed.every((result) => result.ok)) return { status: 400, ids: [] };
  const ids = parsed.map((result) => {
    const request = result.ok ? result.value : undefined;
    return exportJobId({ ...request!, regionCode: request!.regionCode ?? 'KR' });
  });
  return { status: 202, ids: [...new Set(ids)].filter((id) => !queued.has(id)), all: ids.length };
}

describe('POST /v1/exports on fuzzed bodies', () => {
  const redisUrl = testRedisUrl();
  const prefix = uniquePrefix('fuzzhttp');
  let service: TestService;
  let queue: Queue;

  beforeAll(async () => {
    service = await startTestService({
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      NCP_REGION: 'KR',
      API_TOKEN: TOKEN,
      HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    });
    queue = new Queue(EXPORT_QUEUE, { connection: { url: redisUrl }, prefix });
  });
  afterAll(async () => {
    await queue?.close();
    await service?.close();
    await deletePrefix(redisUrl, prefix);
  });

  it('enqueues all valid items or nothing, never answering 500', async () => {
    const queued = new Set<string>();
    const seen: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const want = expected(text, queued);
        const answer = await call(service.url, '/v1/exports', {
          token: TOKEN,
          body: text,
          headers: { 'content-type': 'application/json' },
        });
        seen[answer.status] = (seen[answer.status] ?? 0) + 1;
        expect(answer.status).toBe(want.status);
        if (want.status === 202) {
          expect(answer.json).toMatchObject({
            added: want.ids.length,
            duplicates: want.all! - want.ids.length,
          });
          for (const id of want.ids) queued.add(id);
        } else {
          expect(answer.json).toMatchObject({
            error: { code: expect.any(String), message: expect.any(String) },
          });
        }
        // Nothing partial: the queue holds exactly the exports accepted so far.
        expect(await queue.getWaitingCount()).toBe(queued.size);
      }),
      { numRuns: 80 },
    );
    expect(Object.keys(seen).sort()).toEqual(['202', '400', '413']);
  });
});
