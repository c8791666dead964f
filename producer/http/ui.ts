/**
 * The queue dashboard at /ui (bull-board), behind the same token as the API (a browser may
 * give it as the password of HTTP Basic authentication, any user name).
 *
 * Read-only: every request that would change something is refused, whatever the page offers.
 * With UI_ALLOW_RETRY=true, "retry" on failed exports is allowed, and done the way `retry`
 * does it (a new job `<id>~rN`), never by reviving the failed job in place, which would
 * leave its outcome record stale.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EXPORT_QUEUE } from '../../shared/contract.ts';
import type { ExportProducer } from '../producer.ts';
import { requireToken } from './auth.ts';
import { rerunFailed } from './rerun.ts';

export const UI_PATH = '/ui';

export interface UiOptions {
  producer: ExportProducer;
  /** undefined with --no-auth. */
  token: string | undefined;
  allowRetry: boolean;
}

export async function registerUi(app: FastifyInstance, options: UiOptions): Promise<void> {
  const { producer, allowRetry } = options;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(UI_PATH);
  createBullBoard({
    queues: [
      new BullMQAdapter(producer.queue, {
        readOnlyMode: !allowRetry,
        allowRetries: allowRetry,
        description: 'Export requests',
      }),
      new BullMQAdapter(producer.ledger.queue, {
        readOnlyMode: true,
        description: 'Outcome records',
      }),
    ],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'ncp-cache-export' } },
  });

  await app.register(async (ui) => {
    if (options.token) ui.addHook('onRequest', requireToken(options.token, { allowBasic: true }));
    ui.addHook('onRequest', (request, reply) => guard(request, reply, producer, allowRetry));
    await ui.register(serverAdapter.registerPlugin(), { prefix: UI_PATH });
  });
}

const JOB_RETRY = `${UI_PATH}/api/queues/:queueName/:jobId/retry`;
const ALL_RETRY = `${UI_PATH}/api/queues/:queueName/retry/:queueStatus`;

/** Lets reads through; answers allowed retries itself; refuses every other change. */
async function guard(
  request: FastifyRequest,
  reply: FastifyReply,
  producer: ExportProducer,
  allowRetry: boolean,
): Promise<FastifyReply | undefined> {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const route = request.routeOptions.url;
  const params = request.params as Record<string, string | undefined>;
  if (allowRetry && params.queueName === EXPORT_QUEUE) {
    if (route === JOB_RETRY && params.jobId) {
      const jobId = params.jobId;
      const { rerun, skipped } = await rerunFailed(producer, {
        all: false,
        jobIds: [jobId],
        filter: {},
      });
      if (rerun.length > 0) return reply.code(204).send();
      return reply.code(409).send({
        error: { key: 'ERRORS.JOB_NOT_RETRIABLE', options: { state: 'not failed' } },
        message: `not re-run: ${skipped[0]?.reason ?? 'not failed'}`,
      });
    }
    if (route === ALL_RETRY && params.queueStatus === 'failed') {
      const { rerun, skipped } = await rerunFailed(producer, { all: true, filter: {} });
      return reply.code(200).send({ retried: rerun.length, skipped: skipped.length });
    }
  }
  return reply.code(403).send({
    error: { key: 'ERRORS.READ_ONLY' },
    message: allowRetry
      ? 'the dashboard only re-runs failed exports'
      : 'the dashboard is read-only (UI_ALLOW_RETRY=true allows re-running failed exports)',
  });
}
