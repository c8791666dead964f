/**
 * The queue dashboard at /ui (bull-board), for job internals, behind the same token as the API
 * (a browser may give it as the password of HTTP Basic authentication, any user name).
 *
 * It shows the export queue and the discovery queue, read-only: bull-board offers either every
 * action (clean, delete, edit, duplicate, pause, ...) or none, and none of them fits a queue
 * whose jobs each write one outcome, so it offers none, and the server refuses every change
 * (`403`) whatever a client sends. Re-running failed exports is done on the page at `/`, which
 * offers it only for failures a retry can fix. The results queue is a record no worker
 * consumes; bull-board would show it as a stuck queue ("No workers", "waiting"), so it is left
 * out: the page shows the outcomes.
 *
 * bull-board's HTML links Google Fonts; the link is taken out of the page and its Content
 * Security Policy allows nothing from elsewhere, so /ui works offline and sends nothing out.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ExportProducer } from '../producer.ts';
import { requireToken } from './auth.ts';

export const UI_PATH = '/ui';

export interface UiOptions {
  producer: ExportProducer;
  /** The discovery queue, opened on the producer's connection. */
  discoveryQueue: Queue;
  /** undefined with --no-auth. */
  token: string | undefined;
}

/** What /ui may load: its own scripts, styles, images and API; nothing from elsewhere. */
export const UI_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Any stylesheet or font link to another origin in bull-board's HTML. */
const OUTSIDE_LINK = /<link\b[^>]*href="https?:\/\/[^"]*"[^>]*>\s*/g;

export async function registerUi(app: FastifyInstance, options: UiOptions): Promise<void> {
  const { producer, discoveryQueue } = options;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(UI_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(producer.queue, {
        readOnlyMode: true,
        allowRetries: false,
        description: 'Export requests (re-run failures on the page at /)',
      }),
      new BullMQAdapter(discoveryQueue, {
        readOnlyMode: true,
        allowRetries: false,
        description: 'Discoveries, by hand and by schedule',
      }),
    ],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'ncp-cache-export',
        hideDocsLink: true,
        miscLinks: [{ text: 'Overview (the page)', url: '/' }],
      },
    },
  });

  await app.register(async (ui) => {
    if (options.token) ui.addHook('onRequest', requireToken(options.token, { allowBasic: true }));
    ui.addHook('onRequest', refuseChanges);
    ui.addHook('onSend', async (_request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (!type.startsWith('text/html')) return payload;
      reply.header('content-security-policy', UI_CSP);
      return typeof payload === 'string' ? payload.replace(OUTSIDE_LINK, '') : payload;
    });
    await ui.register(serverAdapter.registerPlugin(), { prefix: UI_PATH });
  });
}

/** Lets reads through; refuses every change. */
async function refuseChanges(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  return reply.code(403).send({
    error: { key: 'ERRORS.READ_ONLY' },
    message:
      'the dashboard is read-only; re-run failed exports on the page at / (UI_ALLOW_RETRY=true), or with `retry`',
  });
}
