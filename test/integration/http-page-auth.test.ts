/**
 * The operator's page at `/` without a browser, signing in: the token once, then a session
 * cookie with the right flags that holds no token (nor does Redis), forms refused without the
 * session's CSRF token or from another origin, sign-out, and --no-auth.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from '../helpers/http-service.ts';
import { csrfIn, failedId, invalidId, type pageClient } from '../helpers/page-client.ts';
import { PAGE_TOKEN, type PageService, startPageService } from '../helpers/page-service.ts';
import type { Pipeline } from '../helpers/pipeline.ts';

const TOKEN = PAGE_TOKEN;

describe('the page: sign-in, sessions, CSRF', () => {
  let page: PageService;
  let pipeline: Pipeline;
  let client: ReturnType<typeof pageClient>;
  const request: ReturnType<typeof pageClient>['request'] = (path, options) =>
    client.request(path, options);
  const signIn = () => client.signIn();
  let redis: Redis;

  beforeAll(async () => {
    page = await startPageService('page-auth');
    ({ pipeline, client } = page);
    redis = new Redis(pipeline.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await page?.close();
  });

  it('sends a visitor without a session to sign in, and takes the token once', async () => {
    const home = await request('/');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/sign-in?next=%2F');
    const form = await request('/sign-in?next=%2Finstances');
    expect(form.status).toBe(200);
    expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(form.text).toContain('name="token" type="password"');
    expect(form.text).toContain('value="/instances"');
    // Somewhere else after sign-in is refused: only a path of this site.
    expect((await request('/sign-in?next=//evil.example/')).text).toContain(
      'name="next" value="/"',
    );

    const wrong = await request('/sign-in', { form: { token: 'not-the-token-000000', next: '/' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.text).toContain('That is not the token.');
    const crossSite = await request('/sign-in', {
      form: { token: TOKEN, next: '/' },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
  });

  it('gives a session cookie with the right flags, holding no token', async () => {
    const { cookie, setCookie } = await signIn();
    const attributes = setCookie.split(';').map((part) => part.trim());
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    expect(attributes).toContainEqual(expect.stringMatching(/^Max-Age=(4319\d|43200)$/));
    expect(attributes.some((a) => a.startsWith('Expires='))).toBe(true);
    expect(attributes).not.toContain('Secure');
    expect(cookie).toMatch(/^ncp_session=[A-Za-z0-9_-]{43}$/);
    expect(setCookie).not.toContain(TOKEN);
    const id = cookie.split('=')[1]!;
    // Redis keeps the session under the id's hash: neither the id nor the token is stored.
    const keys = await redis.keys(`${pipeline.prefix}:cache-export-page:session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(id);
      expect(JSON.stringify(await redis.hgetall(key))).not.toContain(TOKEN);
    }
    const overHttps = await request('/sign-in', {
      form: { token: TOKEN, next: '/' },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(overHttps.headers.get('set-cookie')).toContain('; Secure');

    const home = await request('/', { cookie });
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.text).toContain('<h2>Now');
    expect(home.text).toContain('href="/ui"');
    expect(home.text).not.toContain(TOKEN);
  });

  it('refuses forms without the session CSRF token or from another origin', async () => {
    const { cookie } = await signIn();
    const csrf = csrfIn((await request('/', { cookie })).text);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const form = { kind: 'server', code: '500' };
    const refused = [
      await request('/failures/retry', { cookie, form }),
      await request('/failures/retry', { cookie, form: { ...form, _csrf: 'wrong' } }),
      await request('/failures/retry', {
        cookie,
        form: { ...form, _csrf: csrf },
        headers: { origin: 'https://evil.example' },
      }),
      await request(`/exports/${encodeURIComponent(failedId)}/retry`, {
        cookie,
        form: { _csrf: 'x' },
      }),
      await request('/failures/retry', { form: { ...form, _csrf: csrf } }),
    ];
    expect(refused.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 401]);
    expect(await pipeline.producer.queue.getJob(`${failedId}~r1`)).toBeUndefined();

    // A kind no retry can fix is refused even with a good token.
    const invalid = await request('/failures/retry', {
      cookie,
      form: { kind: 'invalid', code: '500', _csrf: csrf },
    });
    expect(invalid.status).toBe(403);
    expect(await pipeline.producer.queue.getJob(`${invalidId}~r1`)).toBeUndefined();

    const retry = await request('/failures/retry', { cookie, form: { ...form, _csrf: csrf } });
    expect(retry.status).toBe(303);
    expect(retry.headers.get('location')).toBe('/?retried=1&skipped=0#failures');
    expect(await pipeline.producer.queue.getJob(`${failedId}~r1`)).toBeDefined();

    // One export from its story: once re-run it is not re-run again, and invalid never is.
    const again = await request(`/exports/${encodeURIComponent(failedId)}/retry`, {
      cookie,
      form: { _csrf: csrf },
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`already re-run as ${failedId}~r1`);
    const never = await request(`/exports/${encodeURIComponent(invalidId)}/retry`, {
      cookie,
      form: { _csrf: csrf },
    });
    expect(never.status).toBe(403);
    expect(await pipeline.producer.queue.getJob(`${failedId}~r2`)).toBeUndefined();
  });

  it('signs out: the session is gone from Redis and the cookie cleared', async () => {
    const { cookie } = await signIn();
    const csrf = csrfIn((await request('/', { cookie })).text);
    const forged = await request('/sign-out', { cookie, form: { _csrf: 'forged' } });
    expect(forged.status).toBe(403);
    expect((await request('/', { cookie })).status).toBe(200);
    const out = await request('/sign-out', { cookie, form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain(
      'ncp_session=; Path=/; HttpOnly; SameSite=Strict',
    );
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await request('/', { cookie })).status).toBe(303);
  });

  it('needs no sign-in with --no-auth, and still checks forms', async () => {
    const open = await startTestService(
      { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, HOST: '127.0.0.1' },
      { auth: false },
    );
    try {
      const home = await fetch(`${open.url}/`, { redirect: 'manual' });
      expect(home.status).toBe(200);
      const setCookie = home.headers.get('set-cookie') ?? '';
      expect(setCookie).toContain('HttpOnly; SameSite=Strict');
      const text = await home.text();
      expect(text).not.toContain('Sign out');
      const refused = await fetch(`${open.url}/failures/retry`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: setCookie.split(';')[0]!,
          origin: open.url,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'kind=server&code=500&_csrf=wrong',
      });
      expect(refused.status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
