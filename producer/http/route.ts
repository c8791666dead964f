/**
 * A route of the HTTP service, described once: its schemas validate requests, its description
 * goes into the OpenAPI document, and its handler answers with a status and a body.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

export interface ResponseSpec {
  description: string;
  /** Body schema; its component name in the OpenAPI document is `name`. */
  schema?: z.ZodType;
  name?: string;
  /** @defaultValue application/json */
  contentType?: string;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST';
  /** Fastify path, e.g. `/v1/exports/:jobId`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Needs the bearer token (unless the service runs with --no-auth). */
  auth: boolean;
  params?: P;
  querystring?: Q;
  body?: B;
  /** Component name of the body schema in the OpenAPI document. */
  bodyName?: string;
  responses: Record<number, ResponseSpec>;
}

/** The validated inputs of a request, as the route's schemas output them. */
export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

/** A handler's answer. */
export interface RouteReply {
  status: number;
  body: unknown;
  /** Content type, when the body is not JSON. */
  contentType?: string;
}

export interface Route {
  spec: RouteSpec;
  handle(input: RouteInput<z.ZodType, z.ZodType, z.ZodType>): Promise<RouteReply>;
}

/** Pairs a spec with a handler typed by the spec's schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B>, handle: (input: RouteInput<P, Q, B>) => Promise<RouteReply>): Route {
  return { spec, handle } as Route;
}

/** Registers routes on `app`; Fastify validates each part with the zod validator compiler. */
export function registerRoutes(app: FastifyInstance, routes: readonly Route[]): void {
  for (const { spec, handle } of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      schema: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.querystring ? { querystring: spec.querystring } : {}),
        ...(spec.body ? { body: spec.body } : {}),
      },
      handler: async (request, reply) => {
        const answer = await handle({
          params: request.params,
          query: request.query,
          body: request.body,
        });
        if (answer.contentType) reply.type(answer.contentType);
        return reply.code(answer.status).send(answer.body);
      },
    });
  }
}
