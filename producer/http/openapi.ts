/**
 * The OpenAPI 3.1 document of the HTTP service, generated from the routes' zod schemas (the
 * same schemas that validate requests), served at /openapi.json.
 */
import { z } from 'zod';
import type { Route } from './route.ts';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

export interface OpenApiOptions {
  version: string;
  /** Whether routes marked `auth` need the bearer token (false with --no-auth). */
  auth: boolean;
}

export function buildOpenApi(routes: readonly Route[], options: OpenApiOptions): Json {
  const schemas: Record<string, unknown> = {};
  const ref = (name: string, schema: z.ZodType, io: Io) => {
    if (!(name in schemas)) addComponent(schemas, name, schema, io);
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of routes) {
    const path = spec.url.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...parametersOf(spec.params, 'path'),
      ...parametersOf(spec.querystring, 'query'),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const type = response.contentType ?? 'application/json';
      const schema = response.schema
        ? response.name
          ? ref(response.name, response.schema, 'output')
          : inline(response.schema, 'output')
        : { type: type === 'application/json' ? 'object' : 'string' };
      responses[status] = { description: response.description, content: { [type]: { schema } } };
    }
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: spec.bodyName
                    ? ref(spec.bodyName, spec.body, 'input')
                    : inline(spec.body, 'input'),
                },
              },
            },
          }
        : {}),
      responses,
      security: spec.auth && options.auth ? [{ bearerAuth: [] }] : [],
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'ncp-cache-export',
      version: options.version,
      description:
        'Enqueue exports of NCP Cloud DB for Cache backups to Object Storage, and read how they went. The dashboard at /ui (bull-board) is not described here.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN' },
      },
    },
  };
}

function inline(schema: z.ZodType, io: Io): Json {
  const json = toJson(schema, io);
  delete json.$schema;
  return json;
}

/** Adds `schema` as a component; its `$defs` become components `<name>_<def>`. */
function addComponent(
  schemas: Record<string, unknown>,
  name: string,
  schema: z.ZodType,
  io: Io,
): void {
  const json = toJson(schema, io);
  const defs = (json.$defs ?? {}) as Record<string, unknown>;
  delete json.$schema;
  delete json.$defs;
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? [key, `#/components/schemas/${name}_${inner.slice('#/$defs/'.length)}`]
          : [key, rename(inner)],
      ),
    );
  };
  schemas[name] = rename(json);
  for (const [def, body] of Object.entries(defs)) schemas[`${name}_${def}`] = rename(body);
}

function toJson(schema: z.ZodType, io: Io): Json {
  return withoutSafeIntegerBounds(
    z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }),
  ) as Json;
}

/**
 * zod bounds every `z.int()` by ±Number.MAX_SAFE_INTEGER, which tells a reader nothing (and
 * made counts look signed): those bounds are dropped. Counts say `minimum: 0` in their schema.
 */
function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([key, inner]) =>
          !(key === 'minimum' && inner === Number.MIN_SAFE_INTEGER) &&
          !(key === 'maximum' && inner === Number.MAX_SAFE_INTEGER),
      )
      .map(([key, inner]) => [key, withoutSafeIntegerBounds(inner)]),
  );
}

/** OpenAPI parameters from a zod object schema's properties. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = toJson(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}
