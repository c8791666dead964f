/**
 * The HTTP service's payloads, as zod schemas built on the shared contract. The same schemas
 * validate requests (see validation.ts) and make the OpenAPI document (see openapi.ts).
 */

import { z } from 'zod';
import {
  ERROR_KINDS,
  type ErrorKind,
  exportRequestSchema,
  outcomeSchema,
} from '../../shared/contract.ts';
import { JOB_STATE_ANSWERS } from '../../shared/job-states.ts';

/** Most export requests one `POST /v1/exports` may carry. */
export const MAX_BATCH = 10_000;

const isoDate = z.iso.datetime({ offset: true });

/** One export request, or an array of 1 to {@link MAX_BATCH} of them. */
export const exportBatchSchema = z
  .union([exportRequestSchema, z.array(exportRequestSchema).min(1).max(MAX_BATCH)])
  .describe(
    `One export request, or an array of 1 to ${MAX_BATCH}. Every item is validated before any is enqueued.`,
  );

export const enqueueQuerySchema = z.strictObject({
  force: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .describe('true: enqueue even exports already queued or recently finished (new job ids).'),
});

export const enqueueResponseSchema = z
  .object({
    added: z.int().min(0).describe('Jobs added for exports never run before.'),
    reruns: z.int().min(0).describe('Jobs added as a new run of an export whose last run failed.'),
    duplicates: z.int().min(0).describe('Requests that matched a job already queued or kept.'),
    jobs: z
      .array(
        z.object({
          jobId: z.string(),
          duplicate: z
            .boolean()
            .describe('true: nothing was added; the job id is the existing one.'),
          rerunOf: z
            .string()
            .optional()
            .describe("Present on a new run of a failed export: the failed run's job id."),
        }),
      )
      .describe('One entry per request, in request order.'),
  })
  .describe('What was enqueued.');

export const jobParamsSchema = z.strictObject({
  jobId: z
    .string()
    .min(1, 'must not be empty')
    .max(1024, 'must be at most 1024 characters')
    .describe('Export job id, as returned by POST /v1/exports.'),
});

export const EXPORT_JOB_STATES = JOB_STATE_ANSWERS;

export const exportJobSchema = z
  .object({
    jobId: z.string(),
    state: z
      .enum(EXPORT_JOB_STATES)
      .describe(
        'BullMQ state; unknown when the job record has expired (EXPORT_KEEP_*) but its outcome remains.',
      ),
    request: z.record(z.string(), z.json()).nullable().describe('The job data as enqueued.'),
    attempts: z.object({
      made: z.int().min(0).describe('Attempts made so far.'),
      max: z.int().min(0).describe('Attempts allowed.'),
    }),
    lastError: z.string().nullable().describe('Why the last attempt failed, if it did.'),
    enqueuedAt: isoDate.nullable(),
    startedAt: isoDate.nullable().describe('Start of the latest attempt.'),
    finishedAt: isoDate.nullable(),
    outcome: outcomeSchema.nullable().describe('The outcome record, once the export finished.'),
  })
  .describe('An export job: where it stands, and its outcome when finished.');

export const retryResponseSchema = z
  .object({
    failedJobId: z.string().describe('The failed run.'),
    jobId: z.string().describe('The re-run: the failed run id followed by ~r1, ~r2, ...'),
  })
  .describe('A re-run enqueued.');

const KIND_LIST = new RegExp(`^(${ERROR_KINDS.join('|')})(,(${ERROR_KINDS.join('|')}))*$`);

import type { OutcomeCursor } from '../../shared/ledger/index.ts';

export function encodeCursor(cursor: OutcomeCursor): string {
  return Buffer.from(`${cursor.state}.${cursor.offset}`).toString('base64url');
}

function decodeCursor(text: string): OutcomeCursor | undefined {
  const match = /^(\d)\.(\d{1,12})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return match ? { state: Number(match[1]), offset: Number(match[2]) } : undefined;
}

export const outcomesQuerySchema = z.strictObject({
  status: z
    .enum(['succeeded', 'failed'], { error: 'must be succeeded or failed' })
    .optional()
    .describe('Only outcomes with this status.'),
  since: z
    .union([isoDate, z.iso.date()], { error: 'must be an ISO date or date-time' })
    .transform((text) => new Date(text))
    .optional()
    .describe('Only exports that finished at or after this time.'),
  kind: z
    .string()
    .regex(KIND_LIST, `must be a comma-separated list of ${ERROR_KINDS.join(', ')}`)
    .transform((text) => new Set(text.split(',') as ErrorKind[]))
    .optional()
    .describe('Only failures of these error kinds, comma-separated.'),
  cursor: z
    .string()
    .transform((text, ctx) => {
      const cursor = decodeCursor(text);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'is not a cursor from this service' });
      return cursor ?? { state: 0, offset: 0 };
    })
    .optional()
    .describe('nextCursor of the previous page.'),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(100)
    .describe('Most outcomes per page.'),
});

export const outcomePageSchema = z
  .object({
    items: z.array(outcomeSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as cursor for the next page; null when there is no more.'),
  })
  .describe('Outcomes, oldest first within each state.');

export const issueSchema = z.object({
  in: z.enum(['body', 'querystring', 'params']),
  index: z.int().min(0).optional().describe('Position in the request array, for array bodies.'),
  field: z.string().describe('Dotted field path; empty for the item or value as a whole.'),
  message: z.string(),
});
export type HttpIssue = z.infer<typeof issueSchema>;

export const problemSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(issueSchema).optional().describe('Every invalid item and field (400).'),
    }),
  })
  .describe('An error.');

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable', 'auth_paused']),
  /** Set with `auth_paused`: why no export runs, and how to lift it. */
  message: z.string().optional(),
});
