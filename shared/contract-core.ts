/**
 * The job contract's names, kinds, identity and errors: everything of `contract.ts` but its
 * schemas, so that a process that validates nothing (`status`, `results`, a worker's ledger)
 * does not load zod. `contract.ts` re-exports all of it: import from there unless start-up
 * time matters.
 */
import type { ExportRequest } from './contract.ts';

export const EXPORT_QUEUE = 'cache-export';
export const RESULTS_QUEUE = 'cache-export-results';
export const EXPORT_JOB_NAME = 'export';
export const OUTCOME_JOB_NAME = 'outcome';
export const DISCOVERY_QUEUE = 'cache-export-discovery';
export const DISCOVERY_JOB_NAME = 'discover';
export const DISCOVERY_OUTCOME_JOB_NAME = 'discovery-outcome';
/** Pending landing checks: one job per accepted export, on its own queue (`worker/landing/`). */
export const LANDING_QUEUE = 'cache-export-landing';
export const LANDING_JOB_NAME = 'landing';

/**
 * Version of the outcome record's schema, written into each record as `schemaVersion`.
 * 1: the first (records without the field); 2: adds `landing`.
 */
export const OUTCOME_SCHEMA_VERSION = 2;
/**
 * The backoff type of every export and discovery job (`backoff: { type: 'ncp-jitter' }`):
 * workers resolve it to exponential backoff with full jitter, NCP's Retry-After as a floor.
 */
export const BACKOFF_TYPE = 'ncp-jitter';

/** The two NCP API families that expose `exportBackupToObjectStorage`. */
export const API_FAMILIES = {
  vredis: { basePath: '/vredis/v2', instanceParam: 'cloudRedisInstanceNo' },
  vcache: { basePath: '/vcache/v2', instanceParam: 'cloudCacheInstanceNo' },
} as const satisfies Record<string, { basePath: string; instanceParam: string }>;

export type ApiFamily = keyof typeof API_FAMILIES;

export const ERROR_KINDS = [
  'auth',
  'throttled',
  'invalid',
  'server',
  'network',
  'timeout',
  'protocol',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Kinds worth another attempt: the same call may succeed later. */
export const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set([
  'throttled',
  'server',
  'network',
  'timeout',
]);

export const META_MAX_BYTES = 4096;
/** Levels of objects and arrays in meta, meta itself being one. */
export const META_MAX_DEPTH = 32;

export const LANDING_STATES = ['pending', 'landed', 'not-landed', 'not-checked'] as const;
export type LandingState = (typeof LANDING_STATES)[number];

/** A contract violation, with every offending field named. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly code = 'ERR_CONTRACT';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super(issues.map(formatFieldIssue).join('; '));
    this.issues = issues;
  }
}

export interface FieldIssue {
  /** Dotted path of the field, e.g. `meta.ticket`; empty for the request as a whole. */
  field: string;
  message: string;
}

export function formatFieldIssue(issue: FieldIssue): string {
  return issue.field ? `${issue.field}: ${issue.message}` : issue.message;
}

const JOB_ID_SEPARATOR = '~';

/**
 * The de-duplication key of an export: the same export always maps to the same BullMQ job id,
 * so enqueueing it again while the first is waiting, running or retained adds nothing.
 * `meta` is not part of the identity. The separator `~` cannot occur in any field.
 */
export function exportJobId(request: ExportRequest): string {
  return [
    request.api,
    request.regionCode ?? 'default',
    request.instanceNo,
    request.backupTypeMode,
    request.fileName,
    request.bucketName,
  ].join(JOB_ID_SEPARATOR);
}
