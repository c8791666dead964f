/**
 * Signing in to the page: the token once, in a form, then a session cookie (see `session.ts`).
 * Every page asks for a session; every form that changes something must carry the session's
 * CSRF token and come from this site (its `Origin`, else its `Referer`). With `--no-auth` the
 * page needs no sign-in, but still gets a session for its CSRF token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from '../auth.ts';
import { html } from './html.ts';
import { layout, sendPage } from './layout.ts';
import {
  csrfMatches,
  type PageSession,
  parseCookies,
  SESSION_COOKIE,
  type SessionStore,
  sessionCookie,
} from './session.ts';

export interface SignInOptions {
  store: SessionStore;
  /** API_TOKEN; undefined with --no-auth. */
  token: string | undefined;
}

const sessions = new WeakMap<FastifyRequest, PageSession>();

/** The session of a request that passed {@link requireSession}. */
export function sessionOf(request: FastifyRequest): PageSession {
  const session = sessions.get(request);
  if (!session) throw new Error(`no page session for ${request.method} ${request.url}`);
  return session;
}

/** Whether the browser reached the service over https (directly or through a proxy). */
function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/** The request comes from a page of this service: its Origin (else Referer) names this host. */
export function sameOrigin(request: FastifyRequest): boolean {
  const from = request.headers.origin ?? request.headers.referer;
  if (typeof from !== 'string' || from === 'null') return false;
  try {
    return new URL(from).host === request.host;
  } catch {
    return false;
  }
}

/** Where to go after signing in: a path of this site only (never `//elsewhere`). */
function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

/** An onRequest hook: lets through requests with a session, sends others to sign in. */
export function requireSession(options: SignInOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const id = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    let session = await options.store.read(id);
    if (!session && options.token === undefined) {
      session = await options.store.create();
      reply.header('set-cookie', sessionCookie(session, secure(request)));
    }
    if (session) {
      sessions.set(request, session);
      return undefined;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendPage(reply, signInPage('Your session ended; sign in again.', '/'), 401);
    }
    const next = encodeURIComponent(request.url);
    return reply.code(303).header('location', `/sign-in?next=${next}`).send();
  };
}

/**
 * A preHandler for forms that change something: the CSRF token of the session and this site
 * as the origin, else 403 with a page saying so.
 */
export async function requireCsrf(request: FastifyRequest, reply: FastifyReply) {
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (sameOrigin(request) && csrfMatches(sessionOf(request), body._csrf)) return undefined;
  request.log.warn({ url: request.url }, 'page form refused: CSRF token or origin wrong');
  const page = layout(
    { title: 'Refused' },
    html`<div class="notice error">Refused: this form did not come from this site's page, or the
      page was too old. <a href="/">Open the page again</a> and repeat.</div>`,
  );
  return sendPage(reply, page, 403);
}

function signInPage(message: string | undefined, next: string) {
  const notice = message ? html`<div class="notice error">${message}</div>` : '';
  return layout(
    { title: 'Sign in' },
    html`<section class="card signin">
  <h1>Sign in</h1>
  ${notice}
  <form method="post" action="/sign-in">
    <input type="hidden" name="next" value="${next}">
    <label for="token">API token (<code>API_TOKEN</code>)</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <p><button class="primary" type="submit">Sign in</button></p>
  </form>
  <p class="muted">The token is sent once; the browser then keeps a session cookie, never the token.</p>
</section>`,
  );
}

/** GET and POST /sign-in, POST /sign-out. */
export function registerSignIn(scope: FastifyInstance, options: SignInOptions): void {
  scope.get('/sign-in', async (request, reply) => {
    const next = localPath((request.query as Record<string, unknown>).next);
    if (options.token === undefined) return reply.code(303).header('location', next).send();
    return sendPage(reply, signInPage(undefined, next));
  });

  scope.post('/sign-in', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    if (!sameOrigin(request)) {
      return sendPage(
        reply,
        signInPage('Refused: the form did not come from this site.', next),
        403,
      );
    }
    const presented = typeof body.token === 'string' ? body.token : '';
    if (options.token !== undefined && !tokenMatches(options.token, presented)) {
      request.log.warn('page sign-in refused: wrong token');
      return sendPage(reply, signInPage('That is not the token.', next), 401);
    }
    const session = await options.store.create();
    return reply
      .code(303)
      .header('set-cookie', sessionCookie(session, secure(request)))
      .header('location', next)
      .send();
  });

  scope.post('/sign-out', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const id = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    const session = await options.store.read(id);
    // Signing out someone else by a forged form is refused like any other change.
    if (session && (!sameOrigin(request) || !csrfMatches(session, body._csrf))) {
      return sendPage(
        reply,
        layout({ title: 'Refused' }, html`<div class="notice error">Refused.</div>`),
        403,
      );
    }
    if (session) await options.store.destroy(session.id);
    return reply
      .code(303)
      .header('set-cookie', sessionCookie(undefined, secure(request)))
      .header('location', '/sign-in')
      .send();
  });
}
