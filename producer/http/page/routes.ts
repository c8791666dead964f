/**
 * The operator's page at `/` of `serve`: server-rendered HTML and one local stylesheet (no
 * script, nothing from elsewhere), behind the API token through a sign-in form and a session
 * cookie. Sections: now, failures (with "retry these"), discovery and schedule runs, coverage
 * per instance; `/instances` searches the coverage; `/exports/:jobId` tells one export's story.
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RETRYABLE_KINDS } from '../../../shared/contract.ts';
import { DEFAULTS } from '../../../shared/defaults.ts';
import type { ExportProducer } from '../../producer.ts';
import { rerunFailed } from '../rerun.ts';
import { coverageSection, namesFrom, readCoverage } from './coverage.ts';
import { failuresSection, readFailureGroups, retryGroup } from './failures.ts';
import { html, pathTo } from './html.ts';
import { layout, sendPage } from './layout.ts';
import { nowSection, readNow, runsSection } from './now.ts';
import { SessionStore } from './session.ts';
import { registerSignIn, requireCsrf, requireSession, sessionOf } from './sign-in.ts';
import { readStory, storyPage } from './story.ts';
import { STYLE, STYLE_PATH } from './style.ts';

export interface PageOptions {
  producer: ExportProducer;
  /** The discovery queue, opened on the producer's connection. */
  discoveryQueue: Queue;
  /** QUEUE_PREFIX. */
  prefix: string;
  /** API_TOKEN; undefined with --no-auth. */
  token: string | undefined;
  /** UI_ALLOW_RETRY: the page may re-run failed exports. */
  allowRetry: boolean;
  /** REPORT_STALE_AFTER. @defaultValue 26 h */
  staleAfterMs?: number | undefined;
  /** How long a session lasts. @defaultValue DEFAULTS.pageSessionSeconds (12 h) */
  sessionSeconds?: number | undefined;
}

const OVERVIEW_ROWS = 20;
const SEARCH_ROWS = 500;
/** Largest form the page accepts. */
const FORM_LIMIT_BYTES = 16 * 1024;

export async function registerPage(app: FastifyInstance, options: PageOptions): Promise<void> {
  const { producer } = options;
  const staleAfterMs = options.staleAfterMs ?? 26 * 3_600_000;
  const signedIn = options.token !== undefined;
  const store = new SessionStore({
    redis: producer.redis,
    prefix: options.prefix,
    ttlSeconds: options.sessionSeconds ?? DEFAULTS.pageSessionSeconds,
  });
  const { discoveryQueue } = options;

  app.get(STYLE_PATH, async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLE),
  );

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    registerSignIn(scope, { store, token: options.token });

    await scope.register(async (pages) => {
      pages.addHook('onRequest', requireSession({ store, token: options.token }));
      const frame = (request: FastifyRequest, title: string) => ({
        title,
        csrf: sessionOf(request).csrf,
        signedIn,
      });

      pages.get('/', async (request, reply) => {
        const query = request.query as Record<string, string | undefined>;
        const [now, groups] = await Promise.all([
          readNow(producer, discoveryQueue),
          readFailureGroups(producer),
        ]);
        const coverage = await readCoverage(producer, namesFrom(now.runs), {
          staleAfterMs,
          search: '',
          limit: OVERVIEW_ROWS,
          complete: false,
        });
        const retried = Number(query.retried);
        const notice = Number.isInteger(retried)
          ? html`<div class="notice">Re-enqueued ${retried} export(s)${Number(query.skipped) > 0 ? `, skipped ${Number(query.skipped)}` : ''}.</div>`
          : '';
        const csrf = sessionOf(request).csrf;
        const body = html`${notice}
<h1>Overview</h1>
${nowSection(now)}
${failuresSection({ groups, allowRetry: options.allowRetry, csrf })}
${runsSection(now)}
${coverageSection(coverage, { overview: true, search: '' })}
<p class="muted">Job internals (data, stack traces, logs): <a href="/ui">/ui</a>.</p>`;
        return sendPage(reply, layout(frame(request, 'Overview'), body));
      });

      pages.get('/instances', async (request, reply) => {
        const search = String((request.query as Record<string, unknown>).q ?? '').slice(0, 200);
        const runs = await producer.ledger.recentDiscoveryOutcomes(50);
        const coverage = await readCoverage(producer, namesFrom(runs), {
          staleAfterMs,
          search,
          limit: SEARCH_ROWS,
          complete: true,
        });
        const body = html`<h1>Instances</h1>${coverageSection(coverage, { overview: false, search })}`;
        return sendPage(reply, layout(frame(request, 'Instances'), body));
      });

      pages.get('/exports/:jobId', async (request, reply) => {
        const { jobId } = request.params as { jobId: string };
        const story = await readStory(producer, jobId);
        if (!story) {
          const body = html`<h1>Export not found</h1><p>No job or outcome has the id <code>${jobId}</code>
            (never enqueued, or both expired).</p><p><a href="/">Overview</a></p>`;
          return sendPage(reply, layout(frame(request, 'Not found'), body), 404);
        }
        const query = request.query as Record<string, string | undefined>;
        const notice =
          query.rerunOf === undefined
            ? undefined
            : html`<div class="notice">Re-run of ${query.rerunOf}: enqueued as this export.</div>`;
        return sendPage(
          reply,
          storyPage({ ...frame(request, 'Export'), story, allowRetry: options.allowRetry, notice }),
        );
      });

      pages.post('/failures/retry', { preHandler: requireCsrf }, async (request, reply) => {
        const body = request.body as Record<string, unknown>;
        if (!options.allowRetry)
          return refuse(reply, 'Re-running from the page needs UI_ALLOW_RETRY=true.');
        const result = await retryGroup(producer, String(body.kind ?? ''), String(body.code ?? ''));
        if (!result) return refuse(reply, 'These failures are not of a kind a retry can fix.');
        request.log.info(
          {
            rerun: result.rerun.length,
            skipped: result.skipped.length,
            kind: body.kind,
            code: body.code,
          },
          'page re-ran failures',
        );
        return reply
          .code(303)
          .header(
            'location',
            `/?retried=${result.rerun.length}&skipped=${result.skipped.length}#failures`,
          )
          .send();
      });

      pages.post('/exports/:jobId/retry', { preHandler: requireCsrf }, async (request, reply) => {
        const { jobId } = request.params as { jobId: string };
        if (!options.allowRetry)
          return refuse(reply, 'Re-running from the page needs UI_ALLOW_RETRY=true.');
        const outcome = await producer.ledger.exportOutcome(jobId);
        if (!outcome?.error || !RETRYABLE_KINDS.has(outcome.error.kind)) {
          return refuse(reply, 'This export did not fail for a reason a retry can fix.');
        }
        const result = await rerunFailed(producer, { all: false, jobIds: [jobId], filter: {} });
        const rerun = result.rerun[0];
        if (!rerun)
          return refuse(reply, `Not re-run: ${result.skipped[0]?.reason ?? 'unknown'}.`, 409);
        request.log.info({ jobId, rerun: rerun.jobId }, 'page re-ran an export');
        return reply
          .code(303)
          .header(
            'location',
            `${pathTo('exports', rerun.jobId)}?rerunOf=${encodeURIComponent(jobId)}`,
          )
          .send();
      });

      function refuse(reply: FastifyReply, message: string, status = 403) {
        const page = layout(
          { title: 'Refused' },
          html`<div class="notice error">${message}</div><p><a href="/">Overview</a></p>`,
        );
        return sendPage(reply, page, status);
      }
    });
  });
}
