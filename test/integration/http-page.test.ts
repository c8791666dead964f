/**
 * The operator's page at `/` without a browser: sign-in with the token once, the session
 * cookie's flags, forms refused without the session's CSRF token or from another origin, the
 * token never in a cookie, a page or Redis, and every value from data escaped.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { startTestService, type TestService } from '../helpers/http-service.ts';
import { exportOutcome } from '../helpers/outcomes.ts';
import { openPipeline, type Pipeline } from '../helpers/pipeline.ts';

const TOKEN = 'page-token-7c1e9a4b2d6f8e03';
const HOSTILE = {
  meta: '<script>alert("meta")</script>',
  message: '</td><script>alert("message")</script>',
  name: '<img src=x onerror=alert("name")>',
  file: '"><script>alert("file")</script>',
};
const failedId = 'vredis~KR~1234511~SYSTEM~20240702~cache-backup';
const invalidId = 'vredis~KR~1234522~SYSTEM~20240702~cache-backup';
const landedId = 'vredis~KR~1234533~SYSTEM~20240702~cache-backup';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

describe('the page: sign-in, sessions, CSRF, escaping', () => {
  let pipeline: Pipeline;
  let service: TestService;
  let redis: Redis;
  let origin: string;

  const request = async (
    path: string,
    options: {
      cookie?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin ??= origin;
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body,
      redirect: 'manual',
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  const signIn = async (): Promise<{ cookie: string; setCookie: string }> => {
    const answer = await request('/sign-in', { form: { token: TOKEN, next: '/' } });
    expect(answer.status).toBe(303);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0]!, setCookie };
  };

  const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  beforeAll(async () => {
    pipeline = await openPipeline('http-page', { url: 'http://127.0.0.1:9' });
    const finishedAt = new Date().toISOString();
    const failed = exportOutcome({
      jobId: failedId,
      status: 'failed',
      finishedAt,
      message: HOSTILE.message,
    });
    failed.meta = { note: HOSTILE.meta };
    await pipeline.producer.ledger.recordExport(failed);
    const invalid = exportOutcome({
      jobId: invalidId,
      instanceNo: '1234522',
      status: 'failed',
      finishedAt,
      kind: 'invalid',
    });
    (invalid.request as Record<string, unknown>).fileName = HOSTILE.file;
    await pipeline.producer.ledger.recordExport(invalid);
    // An outcome with a landing check (an optional field of later versions) shows it.
    const landed = exportOutcome({
      jobId: landedId,
      instanceNo: '1234533',
      status: 'succeeded',
      finishedAt,
    });
    Object.assign(landed, { landing: { state: 'landed', objectKey: '<b>backup</b>.rdb' } });
    await pipeline.producer.ledger.recordExport(landed);
    await pipeline.producer.ledger.recordDiscovery({
      jobId: 'discover-hostile',
      request: { api: 'vredis', bucketName: 'cache-backup', regionCode: 'KR' },
      status: 'succeeded',
      dryRun: true,
      instancesSeen: 1,
      instancesMatched: 1,
      filesChosen: 0,
      exportsEnqueued: 0,
      exportsDuplicate: 0,
      instances: [
        {
          instanceNo: '1234511',
          name: HOSTILE.name,
          regionCode: 'KR',
          backupsListed: 0,
          files: [],
        },
      ],
      errors: [],
      attempts: 1,
      enqueuedAt: finishedAt,
      startedAt: finishedAt,
      finishedAt,
    } as unknown as DiscoveryOutcome);
    service = await startTestService({
      REDIS_URL: pipeline.redisUrl,
      QUEUE_PREFIX: pipeline.prefix,
      API_TOKEN: TOKEN,
      UI_ALLOW_RETRY: 'true',
    });
    origin = service.url;
    redis = new Redis(pipeline.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await service?.close();
    await pipeline?.cleanup();
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
  });

  it('escapes every value from data: names, meta, messages, files, the search', async () => {
    const { cookie } = await signIn();
    const pages = [
      await request('/', { cookie }),
      await request('/instances?q=1234511', { cookie }),
      await request(`/exports/${encodeURIComponent(failedId)}`, { cookie }),
      await request(`/exports/${encodeURIComponent(invalidId)}`, { cookie }),
      await request(`/instances?q=${encodeURIComponent('<script>alert("q")</script>')}`, {
        cookie,
      }),
      await request(`/exports/${encodeURIComponent('<script>alert("id")</script>')}`, { cookie }),
    ];
    expect(pages.map((page) => page.status)).toEqual([200, 200, 200, 200, 200, 404]);
    for (const page of pages) {
      expect(page.text).not.toMatch(/<script|<img/i);
      expect(page.text).not.toContain(TOKEN);
    }
    const [, instances, story, invalidStory, search, missing] = pages.map((page) => page.text);
    expect(instances).toContain('&lt;img src=x onerror=alert(&quot;name&quot;)&gt;');
    expect(story).toContain('&lt;/td&gt;&lt;script&gt;alert(&quot;message&quot;)&lt;/script&gt;');
    expect(story).toContain('&lt;script&gt;alert(\\&quot;meta\\&quot;)&lt;/script&gt;');
    expect(invalidStory).toContain(
      '&quot;&gt;&lt;script&gt;alert(&quot;file&quot;)&lt;/script&gt;',
    );
    expect(invalidStory).toContain('Not retryable (invalid)');
    expect(search).toContain('value="&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;"');
    expect(missing).toContain('&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;');
  });

  it('shows the landing where an outcome has one, and none where it has not', async () => {
    const { cookie } = await signIn();
    const landed = await request(`/exports/${encodeURIComponent(landedId)}`, { cookie });
    expect(landed.text).toContain('<dt>landing</dt><dd><span class="ok">landed</span>');
    expect(landed.text).toContain('&lt;b&gt;backup&lt;/b&gt;.rdb');
    const without = await request(`/exports/${encodeURIComponent(failedId)}`, { cookie });
    expect(without.text).not.toContain('<dt>landing</dt>');
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

  it('keeps /ui read-only, without the results queue, and with nothing from elsewhere', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ui = await request('/ui', { headers: auth });
    expect(ui.status).toBe(200);
    expect(ui.text).not.toContain('fonts.googleapis.com');
    expect(ui.text).not.toMatch(/(src|href)="https?:/);
    expect(ui.headers.get('content-security-policy')).toContain("default-src 'self'");
    const queues = await fetch(`${origin}/ui/api/queues`, { headers: auth });
    const listed = (
      (await queues.json()) as {
        queues: { name: string; readOnlyMode: boolean; allowRetries: boolean }[];
      }
    ).queues;
    expect(listed.map((q) => [q.name, q.readOnlyMode, q.allowRetries]).sort()).toEqual([
      ['cache-export', true, false],
      ['cache-export-discovery', true, false],
    ]);
    const retry = await fetch(
      `${origin}/ui/api/queues/cache-export/${encodeURIComponent(invalidId)}/retry`,
      {
        method: 'PUT',
        headers: auth,
      },
    );
    expect(retry.status).toBe(403);
  });
});
