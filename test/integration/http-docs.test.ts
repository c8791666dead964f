/**
 * /docs: the OpenAPI document as a page, served whole by the service (nothing from outside),
 * open without a token like /openapi.json; and the document's counts are never negative.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { deletePrefix, testRedisConfig } from '../helpers/redis.ts';

const TOKEN = 'docs-token-abcdefghijklmnop';

/** Every `src` and `href` in an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

describe('HTTP service: /docs', () => {
  const redis = testRedisConfig('docs');
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      API_TOKEN: TOKEN,
    });
  });

  afterAll(async () => {
    await service?.close();
    await deletePrefix(redis.url, redis.prefix);
  });

  it('serves a page that loads only what this service serves', async () => {
    const page = await call(service.url, '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // The browser may load nothing from elsewhere, whatever the page asks for.
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);

    const refs = references(page.text);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const ref of refs) {
      expect(ref).not.toMatch(/^(https?:)?\/\//);
      const asset = await call(service.url, new URL(ref, `${service.url}/docs`).pathname);
      expect(asset.status, ref).toBe(200);
      if (ref.endsWith('.css')) {
        expect(asset.text, ref).not.toMatch(/@import|@font-face|url\(\s*["']?(https?:)?\/\//);
      }
    }
    const init = await call(service.url, '/docs/static/swagger-initializer.js');
    // No call to the public validator, and the document comes from this service.
    expect(init.text).toContain('validatorUrl: null');
    expect(init.text).toContain("resolveUrl('./json')");
  });

  it('shows the same document as /openapi.json, without a token, like it', async () => {
    const shown = await call(service.url, '/docs/json');
    expect(shown.status).toBe(200);
    const published = await call(service.url, '/openapi.json');
    expect(shown.json).toEqual(published.json);
    // The API itself still wants the token.
    expect((await call(service.url, '/v1/outcomes')).status).toBe(401);
  });

  it('gives every count a minimum of 0 and no meaningless integer bounds', async () => {
    const doc = (await call(service.url, '/openapi.json')).json;
    const bounds: string[] = [];
    const counts: [string, unknown][] = [];
    const walk = (value: unknown, path: string, key: string) => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`, key);
        return;
      }
      if (value === null || typeof value !== 'object') return;
      const node = value as Record<string, unknown>;
      if (Math.abs(Number(node.minimum)) === Number.MAX_SAFE_INTEGER) bounds.push(path);
      if (Math.abs(Number(node.maximum)) === Number.MAX_SAFE_INTEGER) bounds.push(path);
      if (node.type === 'integer' && /^(added|reruns|duplicates|made|max|index)$/.test(key)) {
        counts.push([path, node.minimum]);
      }
      for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`, k);
    };
    walk(doc, '', '');
    expect(bounds).toEqual([]);
    expect(counts.length).toBeGreaterThanOrEqual(6);
    expect(counts.filter(([, minimum]) => minimum !== 0)).toEqual([]);
  });
});
