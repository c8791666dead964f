/**
 * Request validation with the zod schemas of the routes, as Fastify's validator compiler.
 * A failed validation names every invalid item and field; the export batch is checked item
 * by item with the contract's own parser, exactly as the CLI and the library check it.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { type ExportRequest, parseExportRequest } from '../../shared/contract.ts';
import { valueAt } from '../../shared/json.ts';
import { exportBatchSchema, type HttpIssue, MAX_BATCH } from './schemas.ts';

type Part = HttpIssue['in'];

/** A request that breaks its route's schema: answered 400 with every issue. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly code = 'ERR_VALIDATION';
  readonly statusCode = 400;
  readonly issues: HttpIssue[];

  constructor(issues: HttpIssue[]) {
    super(`${issues.length} invalid field(s)`);
    this.issues = issues;
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; issues: HttpIssue[] };

/** Validates a `POST /v1/exports` body: one request or an array of them. */
export function parseExportBatch(data: unknown): Parsed {
  if (Array.isArray(data)) {
    if (data.length === 0 || data.length > MAX_BATCH) {
      const message = `must hold 1 to ${MAX_BATCH} export requests (it holds ${data.length})`;
      return { ok: false, issues: [{ in: 'body', field: '', message }] };
    }
    const value: ExportRequest[] = [];
    const issues: HttpIssue[] = [];
    data.forEach((item, index) => {
      const parsed = parseExportRequest(item);
      if (parsed.ok) value.push(parsed.value);
      else for (const issue of parsed.issues) issues.push({ in: 'body', index, ...issue });
    });
    return issues.length ? { ok: false, issues } : { ok: true, value };
  }
  if (data === null || typeof data !== 'object') {
    const message = `must be an export request object, or an array of 1 to ${MAX_BATCH} of them`;
    return { ok: false, issues: [{ in: 'body', field: '', message }] };
  }
  const parsed = parseExportRequest(data);
  return parsed.ok
    ? parsed
    : { ok: false, issues: parsed.issues.map((issue) => ({ in: 'body', ...issue })) };
}

/** Validates anything else with its zod schema. */
export function parseWithSchema(schema: z.ZodType, data: unknown, part: Part): Parsed {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toIssues(issue, data, part)) };
}

function toIssues(issue: z.core.$ZodIssue, input: unknown, part: Part): HttpIssue[] {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      in: part,
      field: field ? `${field}.${key}` : key,
      message: 'unknown field',
    }));
  }
  if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
    return [{ in: part, field, message: 'is required' }];
  }
  return [{ in: part, field, message: issue.message }];
}

const PARTS: Record<string, Part> = { body: 'body', querystring: 'querystring', params: 'params' };

/**
 * Fastify's validator compiler for zod route schemas: the validated (and defaulted) value
 * replaces the raw one, and a failure is a {@link RequestValidationError}.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part = PARTS[httpPart ?? 'body'] ?? 'body';
  return (data: unknown) => {
    const parsed =
      schema === exportBatchSchema ? parseExportBatch(data) : parseWithSchema(schema, data, part);
    return parsed.ok
      ? { value: parsed.value }
      : { error: new RequestValidationError(parsed.issues) };
  };
};
