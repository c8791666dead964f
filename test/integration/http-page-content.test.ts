/**
 * The operator's page at `/` without a browser, what it shows: every value from data escaped
 * (instance names, meta, NCP's messages, file names, the search itself), the landing where an
 * outcome has one, and /ui read-only with nothing from elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfIn, failedId, invalidId, landedId, type pageClient } from '../helpers/page-client.ts';
import { PAGE_TOKEN, type PageService, startPageService } from '../helpers/page-service.ts';

const TOKEN = PAGE_TOKEN;

describe('the page: what it shows', () => {
  let page: PageService;
  let origin: string;
  let client: ReturnType<typeof pageClient>;
  const request: ReturnType<typeof pageClient>['request'] = (path, options) =>
    client.request(path, options);
  const signIn = () => client.signIn();

  beforeAll(async () => {
    page = await startPageService('page-content');
    ({ client } = page);
    origin = page.service.url;
  });

  afterAll(async () => {
    await page?.close();
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

  it("re-runs one export from its story and tells the new run's story", async () => {
    const { cookie } = await signIn();
    const story = await request(`/exports/${encodeURIComponent(failedId)}`, { cookie });
    expect(story.text).toContain('Retry this export');
    const retry = await request(`/exports/${encodeURIComponent(failedId)}/retry`, {
      cookie,
      form: { _csrf: csrfIn(story.text) },
    });
    expect(retry.status).toBe(303);
    const location = retry.headers.get('location') ?? '';
    expect(location).toBe(
      `/exports/${encodeURIComponent(`${failedId}~r1`)}?rerunOf=${encodeURIComponent(failedId)}`,
    );
    const rerun = await request(location, { cookie });
    expect(rerun.status).toBe(200);
    expect(rerun.text).toContain(`Re-run of ${failedId}: enqueued as this export.`);
    expect(rerun.text).toContain('No outcome yet');
  });
});
