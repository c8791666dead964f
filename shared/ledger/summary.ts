/**
 * The per-instance summary: what `report`, the coverage metrics and stale-instance alerts read,
 * kept up to date as outcomes are recorded so that none of them scans the records.
 *
 * One hash per instance (api, region, instance number) holds its last success (time, file,
 * bucket, job id), its last failure (time, kind, code, message, job id) and its runs and
 * failures per UTC day for the last {@link SUMMARY_DAYS} days; older days are removed as new
 * ones are written, so a hash never grows past about 2 × SUMMARY_DAYS + 14 fields. One sorted
 * set indexes the instances by the time of their last success (0 for none yet), so the stale
 * ones are a range of it. The ledger updates both in the script run that claims a record, so
 * only a job's first record counts, and a crash cannot count it half.
 *
 * New fields (such as where an export landed) can be added to the hash without touching what
 * reads the others.
 */

import type { Outcome } from '../contract.ts';
import { RESULTS_QUEUE } from '../contract-core.ts';
import type { RedisClient } from '../redis.ts';

/** Days of runs kept per instance; `report --days` reads at most this many. */
export const SUMMARY_DAYS = 31;
/** Longest failure message kept in a summary (the record keeps the whole one). */
export const SUMMARY_MESSAGE_MAX = 500;
const DAY_MS = 86_400_000;
const PAGE = 500;

/** An instance's identity in the summary: `api~region~instanceNo`. */
export function instanceKey(api: string, region: string, instanceNo: string): string {
  return `${api}~${region}~${instanceNo}`;
}

export function summaryIndexKey(prefix: string): string {
  return `${prefix}:${RESULTS_QUEUE}-summary-index`;
}

export function summaryKey(prefix: string, instance: string): string {
  return `${prefix}:${RESULTS_QUEUE}-summary:${instance}`;
}

/**
 * Lua that updates one instance's summary; run after `SUMMARY_KEYS_AT` keys and from
 * `SUMMARY_ARGV_AT` arguments of the script it is part of. Keys: the summary hash, the index.
 * ARGV: instance, api, region, instanceNo, status, finishedAt (ms), day (days since epoch),
 * jobId, fileName, bucketName, error kind, code, message, landing state. A landing check
 * that ends sets `ok_landing` and `ok_key` of the last success (`landing.ts`).
 */
export const SUMMARIZE_LUA = `
local function summarize(hash, index, a)
  local instance, status, at, day = a[1], a[5], tonumber(a[6]), tonumber(a[7])
  redis.call('HSET', hash, 'api', a[2], 'region', a[3], 'instance', a[4])
  if status == 'succeeded' then
    if at >= tonumber(redis.call('HGET', hash, 'ok_at') or '-1') then
      redis.call('HSET', hash, 'ok_at', at, 'ok_job', a[8], 'ok_file', a[9], 'ok_bucket', a[10],
        'ok_landing', a[14] or '', 'ok_key', '')
    end
    redis.call('ZADD', index, 'GT', at, instance)
  else
    if at >= tonumber(redis.call('HGET', hash, 'fail_at') or '-1') then
      redis.call('HSET', hash, 'fail_at', at, 'fail_job', a[8], 'fail_kind', a[11],
        'fail_code', a[12], 'fail_message', a[13])
    end
    redis.call('ZADD', index, 'NX', 0, instance)
    redis.call('HINCRBY', hash, 'f:' .. day, 1)
  end
  if redis.call('HINCRBY', hash, 'r:' .. day, 1) == 1 then
    local oldest = day - ${SUMMARY_DAYS} + 1
    for _, field in ipairs(redis.call('HKEYS', hash)) do
      local kind, d = string.match(field, '^([rf]):(%d+)$')
      if kind and tonumber(d) < oldest then redis.call('HDEL', hash, field) end
    end
  end
end
`;

/** The summary's script arguments for `outcome`, in the order {@link SUMMARIZE_LUA} reads. */
export function summaryArgs(outcome: Outcome): { instance: string; args: string[] } {
  const request = outcome.request as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const api = text(request.api) || 'unknown';
  const region = text(request.regionCode) || 'default';
  const instanceNo = text(request.instanceNo) || 'unknown';
  const instance = instanceKey(api, region, instanceNo);
  const at = Date.parse(outcome.finishedAt);
  const finishedAt = Number.isFinite(at) ? at : 0;
  return {
    instance,
    args: [
      instance,
      api,
      region,
      instanceNo,
      outcome.status,
      String(finishedAt),
      String(Math.floor(finishedAt / DAY_MS)),
      outcome.jobId,
      text(request.fileName),
      text(request.bucketName),
      outcome.error?.kind ?? '',
      outcome.error?.code ?? '',
      (outcome.error?.message ?? '').slice(0, SUMMARY_MESSAGE_MAX),
      outcome.landing?.state ?? '',
    ],
  };
}

/** What the summary knows of one instance. */
export interface InstanceSummary {
  api: string;
  regionCode: string;
  instanceNo: string;
  lastSuccess: {
    at: string;
    fileName: string;
    bucketName: string;
    jobId: string;
    /** Where its object stands (`pending`, `landed`, ...); absent for records before landing checks. */
    landing?: { state: string; key?: string };
  } | null;
  lastFailure: { at: string; kind: string; code: string; message: string; jobId: string } | null;
  /** Runs (first records) and failures per UTC day (`YYYY-MM-DD`), for the days kept. */
  days: Record<string, { runs: number; failed: number }>;
}

const R = 'r'.charCodeAt(0);
const F = 'f'.charCodeAt(0);
const COLON = ':'.charCodeAt(0);
const dayDates = new Map<string, string>();

/** `YYYY-MM-DD` of a day number (days since the epoch); few distinct days, so cached. */
function dayDate(day: string): string | undefined {
  let date = dayDates.get(day);
  if (date === undefined) {
    if (!/^\d+$/.test(day)) return undefined;
    date = new Date(Number(day) * DAY_MS).toISOString().slice(0, 10);
    if (dayDates.size < 10_000) dayDates.set(day, date);
  }
  return date;
}

export function parseSummary(fields: Record<string, string>): InstanceSummary | undefined {
  if (!fields.api || !fields.instance) return undefined;
  const time = (ms: string | undefined) => new Date(Number(ms)).toISOString();
  const days: InstanceSummary['days'] = {};
  for (const field in fields) {
    const type = field.charCodeAt(0);
    if ((type !== R && type !== F) || field.charCodeAt(1) !== COLON) continue;
    const date = dayDate(field.slice(2));
    if (date === undefined) continue;
    days[date] ??= { runs: 0, failed: 0 };
    days[date][type === R ? 'runs' : 'failed'] = Number(fields[field]);
  }
  return {
    api: fields.api,
    regionCode: fields.region ?? 'default',
    instanceNo: fields.instance,
    lastSuccess:
      fields.ok_at === undefined
        ? null
        : {
            at: time(fields.ok_at),
            fileName: fields.ok_file ?? '',
            bucketName: fields.ok_bucket ?? '',
            jobId: fields.ok_job ?? '',
            ...(fields.ok_landing
              ? {
                  landing: {
                    state: fields.ok_landing,
                    ...(fields.ok_key ? { key: fields.ok_key } : {}),
                  },
                }
              : {}),
          },
    lastFailure:
      fields.fail_at === undefined
        ? null
        : {
            at: time(fields.fail_at),
            kind: fields.fail_kind ?? '',
            code: fields.fail_code ?? '',
            message: fields.fail_message ?? '',
            jobId: fields.fail_job ?? '',
          },
    days,
  };
}

export interface SummaryFilter {
  /** Only instances with no success at or after this time (ms since epoch). */
  staleBeforeMs?: number | undefined;
  /**
   * Read the runs of these UTC days only (a time within the first and the last day, ms), and
   * only the fields a report shows: one HMGET per instance instead of the whole hash.
   */
  days?: { from: number; to: number } | undefined;
}

const FIXED_FIELDS = [
  'api',
  'region',
  'instance',
  'ok_at',
  'ok_file',
  'ok_bucket',
  'ok_job',
  'ok_landing',
  'ok_key',
  'fail_at',
  'fail_kind',
  'fail_code',
  'fail_message',
  'fail_job',
] as const;

/** The HMGET field list for `days`, and a parser of its answer. */
function fieldReader(days: { from: number; to: number }) {
  const numbers: string[] = [];
  for (let day = Math.floor(days.from / DAY_MS); day <= Math.floor(days.to / DAY_MS); day++) {
    numbers.push(String(day));
  }
  const names = [
    ...FIXED_FIELDS,
    ...numbers.map((day) => `r:${day}`),
    ...numbers.map((day) => `f:${day}`),
  ];
  const parse = (values: (string | null)[]): InstanceSummary | undefined => {
    const fields: Record<string, string> = {};
    FIXED_FIELDS.forEach((name, i) => {
      const value = values[i];
      if (value !== null && value !== undefined) fields[name] = value;
    });
    const summary = parseSummary(fields);
    if (!summary) return undefined;
    const base = FIXED_FIELDS.length;
    numbers.forEach((day, i) => {
      const runs = values[base + i];
      if (runs === null || runs === undefined) return;
      const failed = values[base + numbers.length + i];
      summary.days[dayDate(day)!] = { runs: Number(runs), failed: Number(failed ?? 0) };
    });
    return summary;
  };
  return { names, parse };
}

/**
 * Every instance's summary, least recently exported first (never exported first of all), read
 * a page of the index at a time.
 */
export async function* readSummaries(
  redis: RedisClient,
  prefix: string,
  filter: SummaryFilter = {},
): AsyncGenerator<InstanceSummary> {
  const index = summaryIndexKey(prefix);
  const max = filter.staleBeforeMs === undefined ? '+inf' : `(${filter.staleBeforeMs}`;
  const reader = filter.days ? fieldReader(filter.days) : undefined;
  for (let offset = 0; ; offset += PAGE) {
    const members = await redis.zrangebyscore(index, '-inf', max, 'LIMIT', offset, PAGE);
    if (members.length === 0) return;
    const pipeline = redis.pipeline();
    for (const member of members) {
      if (reader) pipeline.hmget(summaryKey(prefix, member), ...reader.names);
      else pipeline.hgetall(summaryKey(prefix, member));
    }
    for (const [error, fields] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const summary = reader
        ? reader.parse(fields as (string | null)[])
        : parseSummary(fields as Record<string, string>);
      if (summary) yield summary;
    }
    if (members.length < PAGE) return;
  }
}

/** Coverage at a glance, for the metrics: read from the index alone. */
export interface Coverage {
  /** Instances with at least one recorded export. */
  instances: number;
  /** Instances with no success since `staleBeforeMs` (including those never exported). */
  stale: number;
  /** Time of the oldest last success among instances that have one (ms); undefined if none. */
  oldestSuccessMs: number | undefined;
}

export async function readCoverage(
  redis: RedisClient,
  prefix: string,
  staleBeforeMs: number,
): Promise<Coverage> {
  const index = summaryIndexKey(prefix);
  const [instances, stale, oldest] = await Promise.all([
    redis.zcard(index),
    redis.zcount(index, '-inf', `(${staleBeforeMs}`),
    redis.zrangebyscore(index, '(0', '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
  ]);
  return {
    instances,
    stale,
    oldestSuccessMs: oldest[1] === undefined ? undefined : Number(oldest[1]),
  };
}

/** Removes every summary (before a rebuild); returns how many instances it held. */
export async function clearSummaries(redis: RedisClient, prefix: string): Promise<number> {
  const index = summaryIndexKey(prefix);
  let removed = 0;
  for (;;) {
    const members = await redis.zrange(index, 0, PAGE - 1);
    if (members.length === 0) return removed;
    const pipeline = redis.pipeline();
    for (const member of members) pipeline.unlink(summaryKey(prefix, member));
    pipeline.zrem(index, ...members);
    await pipeline.exec();
    removed += members.length;
  }
}
