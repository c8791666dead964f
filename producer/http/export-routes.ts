/**
 * `/v1/exports`: enqueue (one request or an array), look a job up, re-run a failed export.
 * Re-runs follow `retry`: a new job `<id>~rN`, never the failed job revived.
 */
import type { ExportRequest } from '../../shared/contract.ts';
import type { ExportProducer } from '../producer.ts';
import { readExportJob } from './job-view.ts';
import { rerunFailed } from './rerun.ts';
import { defineRoute, type Route, type RouteReply } from './route.ts';
import {
  enqueueQuerySchema,
  enqueueResponseSchema,
  exportBatchSchema,
  exportJobSchema,
  jobParamsSchema,
  problemSchema,
  retryResponseSchema,
} from './schemas.ts';

/** Requests added to Redis per round trip, so a 10,000-request call never blocks Redis long. */

const problem = { description: 'Error', schema: problemSchema, name: 'Problem' };
const unauthorized = { 401: { ...problem, description: 'Missing or wrong bearer token' } };

export function problemReply(status: number, code: string, message: string): RouteReply {
  return { status, body: { error: { code, message } } };
}

export function exportRoutes(producer: ExportProducer): Route[] {
  return [
    defineRoute(
      {
        method: 'POST',
        url: '/v1/exports',
        operationId: 'enqueueExports',
        summary: 'Enqueue one export request or an array of them',
        description:
          'Every request is validated first; if any is invalid, nothing is enqueued and the 400 names every invalid item and field. An export already queued, running or kept after succeeding is not added again: its entry says duplicate. An export whose last run failed gets a new run (`<id>~rN`): its entry names the failed run in `rerunOf`.',
        tag: 'exports',
        auth: true,
        querystring: enqueueQuerySchema,
        body: exportBatchSchema,
        bodyName: 'ExportBatch',
        responses: {
          202: { description: 'Enqueued', schema: enqueueResponseSchema, name: 'EnqueueResult' },
          400: { ...problem, description: 'Invalid requests; nothing was enqueued' },
          ...unauthorized,
          413: { ...problem, description: 'Body larger than HTTP_BODY_LIMIT_BYTES' },
        },
      },
      async ({ query, body }) => {
        const requests = (Array.isArray(body) ? body : [body]) as ExportRequest[];
        const results = await producer.enqueueValid(requests, { force: query.force === 'true' });
        const added = results.filter((result) => result.added).length;
        const reruns = results.filter((result) => result.rerunOf).length;
        return {
          status: 202,
          body: {
            added: added - reruns,
            reruns,
            duplicates: results.length - added,
            jobs: results.map(({ jobId, added, rerunOf }) => ({
              jobId,
              duplicate: !added,
              ...(rerunOf ? { rerunOf } : {}),
            })),
          },
        };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/v1/exports/:jobId',
        operationId: 'getExport',
        summary: 'State, attempts, last error, and the outcome when finished',
        tag: 'exports',
        auth: true,
        params: jobParamsSchema,
        responses: {
          200: { description: 'The export job', schema: exportJobSchema, name: 'ExportJob' },
          ...unauthorized,
          404: { ...problem, description: 'No job and no outcome with this id' },
        },
      },
      async ({ params }) => {
        const view = await readExportJob(producer, params.jobId);
        return view
          ? { status: 200, body: view }
          : problemReply(404, 'ERR_NOT_FOUND', 'no export job or outcome with this id');
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/v1/exports/:jobId/retry',
        operationId: 'retryExport',
        summary: 'Re-run an export that failed for good',
        description:
          'Adds a new job whose id follows the failed run (`<id>~r1`, `<id>~r2`, ...); it writes its own outcome. Retrying the same failure twice adds one re-run.',
        tag: 'exports',
        auth: true,
        params: jobParamsSchema,
        responses: {
          202: { description: 'Re-run enqueued', schema: retryResponseSchema, name: 'Retry' },
          ...unauthorized,
          404: { ...problem, description: 'No job and no outcome with this id' },
          409: {
            ...problem,
            description: 'Not failed (succeeded, or not finished), or already re-run',
          },
        },
      },
      async ({ params }) => {
        const { jobId } = params;
        const { rerun, skipped } = await rerunFailed(producer, {
          all: false,
          jobIds: [jobId],
          filter: {},
        });
        if (rerun[0]) return { status: 202, body: rerun[0] };
        const [exists, outcome] = await Promise.all([
          producer.existingIds([jobId]),
          producer.ledger.exportOutcome(jobId),
        ]);
        if (!outcome && !exists.has(jobId)) {
          return problemReply(404, 'ERR_NOT_FOUND', 'no export job or outcome with this id');
        }
        const reason = outcome ? skipped[0]?.reason : 'it has not finished yet';
        return problemReply(409, 'ERR_NOT_RETRYABLE', `not re-run: ${reason}`);
      },
    ),
  ];
}
