/** `GET /v1/outcomes`: outcome records, filtered and paged. */
import type { ExportProducer } from '../producer.ts';
import { defineRoute, type Route } from './route.ts';
import { encodeCursor, outcomePageSchema, outcomesQuerySchema, problemSchema } from './schemas.ts';

export function outcomeRoutes(producer: ExportProducer): Route[] {
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/v1/outcomes',
        operationId: 'listOutcomes',
        summary: 'Outcome records, filtered, a page at a time',
        description:
          'Oldest first. A page holds at most `limit` outcomes; follow `nextCursor` until it is null. A page may hold fewer than `limit` (even none) with a cursor when a filter matches few records: keep following.',
        tag: 'outcomes',
        auth: true,
        querystring: outcomesQuerySchema,
        responses: {
          200: {
            description: 'A page of outcomes',
            schema: outcomePageSchema,
            name: 'OutcomePage',
          },
          400: { description: 'Invalid query', schema: problemSchema, name: 'Problem' },
          401: {
            description: 'Missing or wrong bearer token',
            schema: problemSchema,
            name: 'Problem',
          },
        },
      },
      async ({ query }) => {
        const page = await producer.ledger.exportOutcomePage(
          { status: query.status, since: query.since, kinds: query.kind },
          { cursor: query.cursor, limit: query.limit },
        );
        const nextCursor = page.next ? encodeCursor(page.next) : null;
        return { status: 200, body: { items: page.items, nextCursor } };
      },
    ),
  ];
}
