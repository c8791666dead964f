/**
 * `verify` and `landing-check`: look in the bucket now for exports that NCP accepted, batched
 * as the worker's checks are (one List Objects walk per bucket and region). A look here is a
 * single one: it says whether the object is there, not whether it still grows.
 */
import type { LandingConfig } from '../config.ts';
import type { ExportRequest, Landing, Outcome } from '../contract.ts';
import { parseExportRequest } from '../contract.ts';
import { ObjectStorageClient, StorageError } from './storage-client.ts';
import {
  candidates,
  coveringRange,
  describeTarget,
  type LandingTarget,
  landingTarget,
  type SeenObject,
} from './target.ts';

/** `landed`: the object is there now; `not-landed`: it is not; `not-checked`: no look made. */
export type VerifyState = 'landed' | 'not-landed' | 'not-checked';

export interface Verification {
  jobId: string;
  instanceNo: string;
  fileName: string;
  bucketName: string;
  finishedAt: string;
  /** What the record says (`none` for records written before landing checks). */
  recorded: Landing['state'] | 'none';
  state: VerifyState;
  /** What was looked for; absent when nothing was looked at. */
  looked?: string;
  key?: string;
  size?: number;
  /** Why nothing was looked at, or what went wrong looking. */
  note?: string;
}

export interface VerifyOptions {
  /** Undefined: no Object Storage configured; every export is `not-checked`. */
  config: LandingConfig | undefined;
  /** A client to use (tests); one is made from `config` otherwise. */
  client?: ObjectStorageClient;
}

interface Pending {
  outcome: Outcome;
  request: ExportRequest;
  target: LandingTarget;
}

/** Looks for every export of `outcomes` (succeeded ones; others are skipped) in its bucket. */
export async function verifyOutcomes(
  outcomes: readonly Outcome[],
  options: VerifyOptions,
): Promise<Verification[]> {
  const { config } = options;
  const results: Verification[] = [];
  const groups = new Map<string, Pending[]>();
  for (const outcome of outcomes) {
    const parsed = parseExportRequest(outcome.request);
    if (outcome.status !== 'succeeded' || !parsed.ok) continue;
    const request = parsed.value;
    if (!config) {
      results.push(
        row(outcome, request, { state: 'not-checked', note: 'no Object Storage configured' }),
      );
      continue;
    }
    const target = landingTarget(request, Date.parse(outcome.finishedAt), config);
    const group = `${target.region}\u0000${target.bucket}`;
    const list = groups.get(group) ?? [];
    list.push({ outcome, request, target });
    groups.set(group, list);
  }
  if (groups.size === 0) return results;
  const client = options.client ?? new ObjectStorageClient({ settings: config! });
  try {
    for (const pending of groups.values()) {
      const first = pending[0]!.target;
      let objects: SeenObject[] = [];
      let note: string | undefined;
      try {
        objects = await client.walk(
          first.region,
          first.bucket,
          coveringRange(pending.map((p) => p.target)),
        );
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        note = error.message;
      }
      for (const { outcome, request, target } of pending) {
        const looked = describeTarget(target);
        if (note) {
          results.push(row(outcome, request, { state: 'not-checked', looked, note }));
          continue;
        }
        const found = candidates(target, objects)[0];
        results.push(
          row(outcome, request, {
            state: found ? 'landed' : 'not-landed',
            looked,
            ...(found ? { key: found.key, size: found.size } : {}),
          }),
        );
      }
    }
  } finally {
    if (!options.client) client.close();
  }
  return results.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

function row(
  outcome: Outcome,
  request: ExportRequest,
  found: Pick<Verification, 'state' | 'looked' | 'key' | 'size' | 'note'>,
): Verification {
  return {
    jobId: outcome.jobId,
    instanceNo: request.instanceNo,
    fileName: request.fileName,
    bucketName: request.bucketName,
    finishedAt: outcome.finishedAt,
    recorded: outcome.landing?.state ?? 'none',
    ...Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)),
  } as Verification;
}

/** `landing-check`: what the check of one export looks for, and every candidate there now. */
export interface LandingExplanation {
  jobId: string;
  /** EXPORT_LANDING_KEY, or `none (search by file name)`. */
  keyTemplate: string;
  prefix: string;
  endpoint: string | undefined;
  looked: string;
  listed: { prefix: string; marker?: string; until?: string };
  /** Objects the walk saw: their number, and those that hold the file name (at most 20). */
  objectsListed: number;
  holdingFileName: SeenObject[];
  /** The object the check takes, if any. */
  match: SeenObject | undefined;
  recorded: Landing | undefined;
  error?: string;
}

export async function explainLanding(
  outcome: Outcome,
  config: LandingConfig,
  client = new ObjectStorageClient({ settings: config }),
): Promise<LandingExplanation> {
  const parsed = parseExportRequest(outcome.request);
  if (!parsed.ok) throw new Error(`export ${outcome.jobId} has no valid request to check`);
  const target = landingTarget(parsed.value, Date.parse(outcome.finishedAt), config);
  const range = coveringRange([target]);
  const base = {
    jobId: outcome.jobId,
    keyTemplate: config.keyTemplate ?? 'none (search by file name)',
    prefix: config.prefix,
    endpoint: client.endpoint(target.region)?.url,
    looked: describeTarget(target),
    listed: range,
    recorded: outcome.landing,
  };
  try {
    // For a template, list the key's folder too, to show the keys near it.
    const folder = target.key?.slice(0, target.key.lastIndexOf('/') + 1);
    const wide = { ...(folder === undefined ? range : { prefix: folder }), maxPages: 10 };
    const objects = await client.walk(target.region, target.bucket, wide);
    return {
      ...base,
      objectsListed: objects.length,
      holdingFileName: objects.filter((o) => o.key.includes(target.fileName)).slice(0, 20),
      match: candidates(target, objects)[0],
    };
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    return {
      ...base,
      objectsListed: 0,
      holdingFileName: [],
      match: undefined,
      error: error.message,
    };
  }
}
