/**
 * What a landing check looks for. NCP does not publish the key an export lands under, so the
 * operator says it with a key template (EXPORT_LANDING_KEY), or the check searches: a new
 * object under EXPORT_LANDING_PREFIX whose key contains the backup's file name.
 *
 * Assumptions (none published by NCP): the object lands in the request's bucket; its key holds
 * the file name; it is written once the copy starts and may grow until the copy ends; its
 * LastModified is no earlier than the acceptance (less a minute of clock skew).
 */
import type { ExportRequest, Landing } from '../contract.ts';

export interface LandingTargetOptions {
  /** EXPORT_LANDING_KEY; undefined: search by file name. */
  keyTemplate?: string | undefined;
  /** EXPORT_LANDING_PREFIX, for a search. @defaultValue '' */
  prefix?: string | undefined;
  /** Region of requests that name none. */
  defaultRegion: string;
}

/** One export's check: an exact key, or a search under a prefix. */
export interface LandingTarget {
  bucket: string;
  region: string;
  /** The key, when a template names it. */
  key?: string | undefined;
  /** Every candidate key starts with this. */
  prefix: string;
  fileName: string;
  instanceNo: string;
  /** A search takes only objects modified after this (ms). */
  notBeforeMs: number;
}

/** Objects older than the acceptance by more than this are not the export's (clock skew). */
export const SKEW_MS = 60_000;

export function landingTarget(
  request: ExportRequest,
  acceptedAtMs: number,
  options: LandingTargetOptions,
): LandingTarget {
  const region = request.regionCode ?? options.defaultRegion;
  const base = {
    bucket: request.bucketName,
    region,
    fileName: request.fileName,
    instanceNo: request.instanceNo,
    notBeforeMs: acceptedAtMs - SKEW_MS,
  };
  if (options.keyTemplate) {
    const key = renderKey(options.keyTemplate, request, region, acceptedAtMs);
    return { ...base, key, prefix: key };
  }
  return { ...base, prefix: options.prefix ?? '' };
}

/** The key a template gives for an export accepted at `atMs` ({date}: YYYYMMDD, UTC). */
export function renderKey(
  template: string,
  request: ExportRequest,
  region: string,
  atMs: number,
): string {
  const values: Record<string, string> = {
    api: request.api,
    region,
    instanceNo: request.instanceNo,
    fileName: request.fileName,
    backupTypeMode: request.backupTypeMode,
    bucketName: request.bucketName,
    date: new Date(atMs).toISOString().slice(0, 10).replaceAll('-', ''),
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** How a target reads in an outcome and in `landing-check`. */
export function describeTarget(target: LandingTarget): string {
  return target.key !== undefined
    ? `key ${target.key}`
    : `search ${target.prefix}*${target.fileName}* modified after ${new Date(target.notBeforeMs).toISOString()}`;
}

export interface SeenObject {
  key: string;
  size: number;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

/**
 * The objects of a listing that may be the export: its key; or, for a search, the new objects
 * whose key holds the file name and the instance number, else the one new object holding the
 * file name. Several such objects and none naming the instance are ambiguous (file names that
 * repeat across instances, such as dates): none is taken, rather than another export's.
 */
export function candidates(target: LandingTarget, objects: Iterable<SeenObject>): SeenObject[] {
  const found: SeenObject[] = [];
  for (const object of objects) {
    if (target.key !== undefined) {
      if (object.key === target.key) found.push(object);
      continue;
    }
    if (!object.key.startsWith(target.prefix)) continue;
    if (!object.key.slice(target.prefix.length).includes(target.fileName)) continue;
    const at = object.lastModified ? Date.parse(object.lastModified) : Number.NaN;
    if (Number.isFinite(at) && at < target.notBeforeMs) continue;
    found.push(object);
  }
  if (target.key !== undefined) return found;
  const named = found.filter((object) => object.key.includes(target.instanceNo));
  if (named.length > 0) return named;
  return found.length === 1 ? found : [];
}

/** What the previous look saw (kept in the landing job between looks). */
export type PreviousLook = SeenObject | undefined;

export type LookDecision =
  | { done: true; landing: Landing }
  | { done: false; seen: SeenObject | undefined };

/**
 * One look's verdict: landed when the first candidate has the same key, size and ETag as at the
 * previous look (the size held across two looks); not landed once `deadlineMs` passed;
 * otherwise look again.
 */
export function judge(look: {
  target: LandingTarget;
  found: readonly SeenObject[];
  previous: PreviousLook;
  acceptedAtMs: number;
  deadlineMs: number;
  nowMs: number;
  checks: number;
  error?: string | undefined;
}): LookDecision {
  const { found, previous, nowMs } = look;
  const first = found[0];
  const common = {
    looked: describeTarget(look.target),
    checks: look.checks,
    checkedAt: new Date(nowMs).toISOString(),
  };
  if (
    first &&
    previous &&
    first.key === previous.key &&
    first.size === previous.size &&
    first.etag === previous.etag
  ) {
    return {
      done: true,
      landing: {
        state: 'landed',
        key: first.key,
        size: first.size,
        ...(first.etag === undefined ? {} : { etag: first.etag }),
        ...(first.lastModified === undefined ? {} : { lastModified: first.lastModified }),
        landedAfterMs: Math.max(0, Math.round(nowMs - look.acceptedAtMs)),
        ...common,
      },
    };
  }
  if (nowMs >= look.deadlineMs) {
    return {
      done: true,
      landing: {
        state: 'not-landed',
        seen: found.slice(0, 5).map(copySeen),
        ...(look.error ? { error: look.error } : {}),
        ...common,
      },
    };
  }
  return { done: false, seen: first ? copySeen(first) : undefined };
}

function copySeen(object: SeenObject): SeenObject {
  return {
    key: object.key,
    size: object.size,
    ...(object.etag === undefined ? {} : { etag: object.etag }),
    ...(object.lastModified === undefined ? {} : { lastModified: object.lastModified }),
  };
}

/**
 * One walk that answers every target of a bucket: under their common prefix, and for exact
 * keys only from just before the first to the last (a key's prefix sorts before it).
 */
export function coveringRange(targets: readonly LandingTarget[]): {
  prefix: string;
  marker?: string;
  until?: string;
} {
  const prefix = commonPrefix(targets.map((target) => target.prefix));
  const keys = targets.flatMap((target) => (target.key === undefined ? [] : [target.key]));
  if (keys.length < targets.length || keys.length === 0) return { prefix };
  keys.sort();
  return { prefix, marker: keys[0]!.slice(0, -1), until: keys.at(-1)! };
}

function commonPrefix(texts: readonly string[]): string {
  if (texts.length === 0) return '';
  let prefix = texts[0]!;
  for (const text of texts) {
    let i = 0;
    while (i < prefix.length && i < text.length && prefix[i] === text[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}
