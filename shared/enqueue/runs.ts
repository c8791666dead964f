/**
 * Which run of an export an enqueue adds. An export's first run has the id `exportJobId` gives
 * it; each later run the next suffix (`<id>~r1`, `<id>~r2`, ...), the same ids `retry` uses. For
 * each export, one script run finds its latest run and decides:
 * - `new`: no run exists: add the first;
 * - `duplicate`: the latest run is queued, running, or finished well and still kept
 *   (EXPORT_KEEP_COMPLETED_HOURS): add nothing;
 * - `rerun`: the latest run failed for good: add the next run;
 * - `next`: the latest run's job is gone and only its successful record remains (it finished
 *   longer ago than the queue keeps it): add the next run, so the new record never collides
 *   with the old.
 */
import { CREATED_AT_FIELD, finishedSetKey, jobKey } from '../bullmq-layout.ts';
import { EXPORT_QUEUE, RESULTS_QUEUE } from '../contract-core.ts';
import type { RedisClient } from '../redis.ts';

export type RunPlan =
  | { kind: 'new'; jobId: string }
  | { kind: 'duplicate'; jobId: string }
  | { kind: 'rerun'; jobId: string; failedJobId: string }
  | { kind: 'next'; jobId: string };

const RUN_SUFFIX = /^(.*)~r(\d+)$/;

/** The id of the run after `jobId`. */
export function nextRunId(jobId: string): string {
  const match = RUN_SUFFIX.exec(jobId);
  return match ? `${match[1]}~r${Number(match[2]) + 1}` : `${jobId}~r1`;
}

/**
 * KEYS: the export queue's failed set. ARGV: the export queue's key prefix, the results queue's,
 * then the first-run ids. Returns, per id, {kind, jobId, failedJobId}. Job keys are built from
 * the prefixes, as BullMQ's own scripts do; on a Cluster they share the prefix's hash tag, and
 * so the failed set's node.
 */
const PLAN_RUNS = `
local failedSet = KEYS[1]
local exportKeys, recordKeys = ARGV[1], ARGV[2]
local function exists(id)
  return redis.call('EXISTS', exportKeys .. id) == 1 or redis.call('EXISTS', recordKeys .. id) == 1
end
local plans = {}
for i = 3, #ARGV do
  local base = ARGV[i]
  if not exists(base) then
    plans[#plans + 1] = {'new', base, ''}
  else
    local latest, n = base, 0
    while exists(base .. '~r' .. (n + 1)) do
      n = n + 1
      latest = base .. '~r' .. n
    end
    local nextId = base .. '~r' .. (n + 1)
    if redis.call('EXISTS', exportKeys .. latest) == 1 then
      if redis.call('ZSCORE', failedSet, latest) then
        plans[#plans + 1] = {'rerun', nextId, latest}
      else
        plans[#plans + 1] = {'duplicate', latest, ''}
      end
    else
      local data = redis.call('HGET', recordKeys .. latest, 'data')
      local ok, record = pcall(cjson.decode, data or '')
      if ok and type(record) == 'table' and record.status == 'failed' then
        plans[#plans + 1] = {'rerun', nextId, latest}
      else
        plans[#plans + 1] = {'next', nextId, ''}
      end
    end
  end
end
return plans
`;

/**
 * KEYS: job hashes. ARGV: a creation time. Returns the 1-based positions of the jobs that do not
 * carry it: those BullMQ found already there (another producer added them first). One command
 * instead of an HGET per job: for a `bulk` chunk of 1,000 rows the pipeline of HGETs cost more
 * than the addBulk's own client work (docs/benchmarks.md).
 */
const NOT_CREATED_AT = `
local others = {}
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, ARGV[2])) ~= tonumber(ARGV[1]) then
    others[#others + 1] = i
  end
end
return others
`;

interface RunCommands {
  ncpPlanRuns(numberOfKeys: 1, ...args: string[]): Promise<[string, string, string][]>;
  ncpJobsNotCreatedAt(
    numberOfKeys: number,
    ...keysThenArgs: (string | number)[]
  ): Promise<number[]>;
}

export class ExportRuns {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
    if (!('ncpPlanRuns' in redis)) redis.defineCommand('ncpPlanRuns', { lua: PLAN_RUNS });
    if (!('ncpJobsNotCreatedAt' in redis)) {
      redis.defineCommand('ncpJobsNotCreatedAt', { lua: NOT_CREATED_AT });
    }
  }

  /** What an enqueue of each export (by its first run's id) would add. */
  async plan(firstRunIds: readonly string[]): Promise<RunPlan[]> {
    if (firstRunIds.length === 0) return [];
    const answers = await this.commands().ncpPlanRuns(
      1,
      finishedSetKey(this.prefix, EXPORT_QUEUE, 'failed'),
      jobKey(this.prefix, EXPORT_QUEUE, ''),
      jobKey(this.prefix, RESULTS_QUEUE, ''),
      ...firstRunIds,
    );
    return answers.map(([kind, jobId, failedJobId]) =>
      kind === 'rerun'
        ? { kind, jobId, failedJobId }
        : { kind: kind as 'new' | 'duplicate' | 'next', jobId },
    );
  }

  /** Of `jobIds` just added with creation time `timestamp`, those another producer added first. */
  async addedByOthers(jobIds: readonly string[], timestamp: number): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const keys = jobIds.map((id) => jobKey(this.prefix, EXPORT_QUEUE, id));
    const others = await this.commands().ncpJobsNotCreatedAt(
      keys.length,
      ...keys,
      timestamp,
      CREATED_AT_FIELD,
    );
    return new Set(others.map((position) => jobIds[position - 1]!));
  }

  /** Which of `jobIds` exist as export jobs or as records. */
  async existing(jobIds: readonly string[]): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) {
      pipeline.exists(jobKey(this.prefix, EXPORT_QUEUE, jobId));
      pipeline.exists(jobKey(this.prefix, RESULTS_QUEUE, jobId));
    }
    const answers = (await pipeline.exec()) ?? [];
    return new Set(
      jobIds.filter((_, i) => answers[2 * i]?.[1] === 1 || answers[2 * i + 1]?.[1] === 1),
    );
  }

  /** Which of `jobIds` exist as export jobs (queued, running, or kept after finishing). */
  async queued(jobIds: readonly string[]): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.exists(jobKey(this.prefix, EXPORT_QUEUE, jobId));
    const answers = (await pipeline.exec()) ?? [];
    return new Set(jobIds.filter((_, i) => answers[i]?.[1] === 1));
  }

  private commands(): RunCommands {
    return this.redis as unknown as RunCommands;
  }
}
