/**
 * The discovery contract: what a `discover` job asks for, and the outcome record it leaves.
 *
 * A discovery request is the data of a BullMQ job named `discover` on queue
 * `cache-export-discovery` (`DISCOVERY_QUEUE`); job schedulers (`schedule add`) create such
 * jobs on a cron. Its outcome is a job named `discovery-outcome` on `cache-export-results`,
 * under the discovery job's id, beside the export outcomes (named `outcome`).
 */
import { z } from 'zod';
import {
  exportRequestSchema,
  outcomeErrorSchema,
  type ParseResult,
  toFieldIssues,
} from './contract.ts';

const RELATIVE_SINCE = /^([1-9][0-9]{0,5})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Names of schedules (BullMQ job scheduler ids): also part of job ids, so no `:` or `~`. */
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const isoDate = z.iso.datetime({ offset: true });

const sinceSchema = z
  .union([isoDate, z.string().regex(RELATIVE_SINCE)], {
    error: 'must be an ISO date-time such as 2024-07-01T00:00:00Z, or a duration such as 36h or 7d',
  })
  .describe(
    'Choose every backup whose time (endTime, else startTime) is at or after this: an ISO date-time, or a duration (m, h, d) back from when the discovery runs. Absent: the newest backup of each instance.',
  );

/** What a discovery lists: one API family, or both (each instance once, see `DISCOVERY_APIS`). */
export const DISCOVERY_APIS = ['vredis', 'vcache', 'both'] as const;
export type DiscoveryApi = (typeof DISCOVERY_APIS)[number];

export const discoveryRequestSchema = z
  .strictObject({
    api: z
      .enum(DISCOVERY_APIS, { error: 'must be vredis, vcache or both' })
      .describe(
        'NCP API family to list: vredis, vcache, or both. With both, an instance number listed by both families is one Redis instance, handled through vredis.',
      ),
    bucketName: exportRequestSchema.shape.bucketName,
    regionCode: exportRequestSchema.shape.regionCode,
    backupTypeMode: exportRequestSchema.shape.backupTypeMode,
    since: sinceSchema.optional(),
    instanceNos: z
      .array(exportRequestSchema.shape.instanceNo)
      .min(1, 'must name at least one instance')
      .max(1000, 'must name at most 1000 instances')
      .optional()
      .describe('Only these instances.'),
    nameFilter: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .optional()
      .describe(
        'Only instances whose service name matches this glob (* any run, ? one character).',
      ),
    dryRun: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe('List and choose, but enqueue no export.'),
    fresh: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe(
        'Create a manual backup of every matched instance now, wait for its file to appear in the manual backup list, and export that file (backupTypeMode MANUAL).',
      ),
    schedule: z
      .string()
      .regex(SCHEDULE_NAME, 'must be 1 to 64 letters, digits, ".", "_" or "-"')
      .optional()
      .describe('Name of the schedule that created this discovery, if any.'),
  })
  .superRefine((request, ctx) => {
    if (!request.fresh) return;
    const refuse = (field: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message, input: request });
    if (request.backupTypeMode !== 'MANUAL') {
      refuse('backupTypeMode', 'must be MANUAL with fresh (a fresh backup is a manual backup)');
    }
    if (request.since !== undefined) {
      refuse('since', 'cannot be used with fresh (fresh exports the new backup only)');
    }
    if (request.dryRun) refuse('dryRun', 'cannot be used with fresh (fresh creates backups)');
  })
  .describe('Find the backup files of every instance of one API family (or both) and export them.');

/** A discovery request as a producer may write it (defaults not yet applied). */
export type DiscoveryRequestInput = z.input<typeof discoveryRequestSchema>;
/** A discovery request after validation, defaults applied. */
export type DiscoveryRequest = z.output<typeof discoveryRequestSchema>;

export const EXPORT_RESULTS = ['added', 'rerun', 'duplicate', 'would-add'] as const;

const discoveredFileSchema = z.strictObject({
  fileName: z.string(),
  backupTime: isoDate.nullable().describe('endTime of the backup (startTime if none), UTC.'),
  jobId: z.string().describe('Id of the export job (the same as `enqueue` would give).'),
  result: z
    .enum(EXPORT_RESULTS)
    .describe(
      'added: enqueued now; rerun: enqueued now as a new run of an export whose last run failed; duplicate: the same export was queued, running or recently succeeded; would-add: dry run.',
    ),
});

const discoveredInstanceSchema = z.strictObject({
  instanceNo: z.string(),
  api: exportRequestSchema.shape.api
    .optional()
    .describe('The family the instance was listed and exported through (absent in older records).'),
  name: z.string().describe('Service name as NCP lists it ("" if none).'),
  regionCode: z.string().nullable(),
  backupsListed: z
    .int()
    .min(0)
    .nullable()
    .describe('Backups of the requested type NCP listed; null if the list could not be read.'),
  files: z.array(discoveredFileSchema).describe('The backups chosen for export.'),
});

export const discoveryErrorSchema = outcomeErrorSchema.extend({
  instanceNo: z.string().nullable().describe('The instance concerned; null for the whole run.'),
});
export type DiscoveryError = z.infer<typeof discoveryErrorSchema>;

export const discoveryOutcomeSchema = z
  .strictObject({
    jobId: z.string().describe('Id of the discovery job; also the id of this outcome job.'),
    request: z
      .union([discoveryRequestSchema, z.record(z.string(), z.json())])
      .describe('The validated request; the data as received when it broke the contract.'),
    status: z
      .enum(['succeeded', 'partial', 'failed'])
      .describe(
        'partial: some instances could not be listed or exported by name; failed: the instance list could not be read, or no matched instance could be.',
      ),
    dryRun: z.boolean(),
    instancesSeen: z.int().min(0).describe('Instances NCP listed, before filters.'),
    instancesMatched: z.int().min(0).describe('Instances left after --instance and --name-filter.'),
    filesChosen: z.int().min(0),
    exportsEnqueued: z
      .int()
      .min(0)
      .describe('Exports added, new or as a re-run of a failed one (result added or rerun).'),
    exportsDuplicate: z.int().min(0),
    instances: z.array(discoveredInstanceSchema).describe('Every matched instance.'),
    errors: z.array(discoveryErrorSchema),
    attempts: z.int().min(1),
    enqueuedAt: isoDate,
    startedAt: isoDate,
    finishedAt: isoDate,
  })
  .describe('What one discovery found and enqueued.');
export type DiscoveryOutcome = z.infer<typeof discoveryOutcomeSchema>;
export type DiscoveredInstance = DiscoveryOutcome['instances'][number];
export type DiscoveredFile = DiscoveredInstance['files'][number];

/** Validates untrusted data against the discovery request contract. Never throws. */
export function parseDiscoveryRequest(data: unknown): ParseResult<DiscoveryRequest> {
  const result = discoveryRequestSchema.safeParse(data);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: toFieldIssues(result.error, data) };
}

/**
 * The time `since` stands for: an ISO date-time as is, a duration (`36h`) back from `now`.
 * Undefined when `since` is absent (choose the newest backup instead).
 */
export function resolveSince(since: string | undefined, now: number): Date | undefined {
  if (since === undefined) return undefined;
  const relative = RELATIVE_SINCE.exec(since);
  if (relative)
    return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  return new Date(since);
}
