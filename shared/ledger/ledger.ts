/**
 * The ledger: the results queue `cache-export-results` and everything written to or read from
 * it. Every export and every discovery that ends, by whatever path, gets exactly one record
 * here, under the job's own id: an `outcome` or a `discovery-outcome` job, left `waiting` for
 * other systems to consume. No other module builds, parses or counts a record.
 *
 * Exactly once: a record is first *claimed* (a key set only if absent, and a counter bumped in
 * the same script run), then added. The first finish of a job claims it and is counted under
 * `ncp_cache_export_outcomes_total`; a later finish of the same job (a run that lost its lock
 * and finished anyway, a crash between claim and add) is counted as a repeat and only repairs
 * a missing record, never replaces one. Claims live as long as the export queue keeps the job
 * they stand for, so no job id can finish twice while it exists.
 */
import { type Job, Queue } from 'bullmq';
import { jobKey } from '../bullmq-layout.ts';
import type { JobPolicy } from '../config.ts';
import type { Landing, Outcome } from '../contract.ts';
import { DISCOVERY_OUTCOME_JOB_NAME, OUTCOME_JOB_NAME, RESULTS_QUEUE } from '../contract-core.ts';
import type { DiscoveryOutcome } from '../discovery-contract.ts';
import { metricFields, metricsKey } from '../metric-fields.ts';
import type { RedisClient } from '../redis.ts';
import { LAND_LUA, landingClaimKey, landingCounts } from './landing.ts';
import {
  followRecords,
  type OutcomeFilter,
  type OutcomePage,
  type PageOptions,
  readPage,
  scanRecords,
  streamPosition,
} from './reading.ts';
import {
  type Coverage,
  clearSummaries,
  type InstanceSummary,
  readCoverage,
  readSummaries,
  SUMMARIZE_LUA,
  type SummaryFilter,
  summaryArgs,
  summaryIndexKey,
  summaryKey,
} from './summary.ts';

/** The two kinds of record and the job name each is written under. */
export const RECORD_NAMES = {
  export: OUTCOME_JOB_NAME,
  discovery: DISCOVERY_OUTCOME_JOB_NAME,
} as const;
export type RecordKind = keyof typeof RECORD_NAMES;

/** Whether `record` wrote the job's first record, or found one there already. */
export type RecordResult = 'recorded' | 'repeat';

export interface LedgerOptions {
  connection: RedisClient;
  prefix: string;
  /**
   * How long the export queue keeps finished jobs. A claim lives as long as the longer of the
   * two, plus a day, so no job id can be finished twice while its job exists.
   */
  policy: Pick<JobPolicy, 'keepCompletedSeconds' | 'keepFailedSeconds'>;
  /**
   * For readers that must write nothing (`status`, `results`): the queue skips BullMQ's meta
   * hash. Recording still writes. @defaultValue false
   */
  readOnly?: boolean;
  /**
   * Called once a job's first record is written (never for a repeat), for what follows a
   * record, such as notifications. It must not throw or wait: the finish does not wait for it.
   */
  onRecord?: (kind: RecordKind, record: Outcome | DiscoveryOutcome) => void;
}

/** Finished-record counts since the counters were created (they survive worker restarts). */
export interface LedgerTotals {
  exports: number;
  discoveries: number;
  /** Finishes that found their job already recorded. */
  repeats: number;
}

/**
 * KEYS: the claim, the counter hash. ARGV: claim lifetime (ms), the counter field of a first
 * finish, the counter field of a repeat. Returns 1 for a first finish, 0 for a repeat.
 */
const CLAIM = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return 0
`;

/**
 * The claim of an export: {@link CLAIM}, and on a first finish the instance's summary (see
 * `summary.ts`) in the same run. KEYS: the claim, the counter hash, the summary hash, the
 * summary index. ARGV: as CLAIM's, then the summary's.
 */
const CLAIM_EXPORT = `${SUMMARIZE_LUA}
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  summarize(KEYS[3], KEYS[4], { select(4, unpack(ARGV)) })
  return 1
end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return 0
`;

/** The summary alone, for `rebuildSummaries`. KEYS: the summary hash, the index. */
const SUMMARIZE = `${SUMMARIZE_LUA}
summarize(KEYS[1], KEYS[2], ARGV)
return 1
`;

interface LedgerCommands {
  ncpLedgerClaim(claim: string, counters: string, ...args: (string | number)[]): Promise<number>;
  ncpLedgerClaimExport(
    claim: string,
    counters: string,
    summary: string,
    index: string,
    ...args: (string | number)[]
  ): Promise<number>;
  ncpLedgerSummarize(summary: string, index: string, ...args: string[]): Promise<number>;
  ncpLedgerLand(
    claim: string,
    counters: string,
    summary: string,
    ...args: (string | number)[]
  ): Promise<number>;
}

/** What {@link Ledger.updateLanding} did: counted and wrote, rewrote only, or found no record. */
export type LandingUpdate = 'updated' | 'repeat' | 'missing';

export class Ledger {
  /** The results queue itself, for the read-only job dashboard; read and write through methods. */
  readonly queue: Queue;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly claimMs: number;
  private readonly onRecord: LedgerOptions['onRecord'];

  constructor(options: LedgerOptions) {
    this.redis = options.connection;
    this.onRecord = options.onRecord;
    this.prefix = options.prefix;
    const { keepCompletedSeconds, keepFailedSeconds } = options.policy;
    this.claimMs = (Math.max(keepCompletedSeconds, keepFailedSeconds) + 86_400) * 1000;
    this.queue = new Queue(RESULTS_QUEUE, {
      connection: this.redis,
      prefix: this.prefix,
      skipMetasUpdate: options.readOnly ?? false,
    });
    if (!('ncpLedgerClaim' in this.redis)) {
      this.redis.defineCommand('ncpLedgerClaim', { numberOfKeys: 2, lua: CLAIM });
    }
    if (!('ncpLedgerClaimExport' in this.redis)) {
      this.redis.defineCommand('ncpLedgerClaimExport', { numberOfKeys: 4, lua: CLAIM_EXPORT });
      this.redis.defineCommand('ncpLedgerSummarize', { numberOfKeys: 2, lua: SUMMARIZE });
    }
    if (!('ncpLedgerLand' in this.redis)) {
      this.redis.defineCommand('ncpLedgerLand', { numberOfKeys: 3, lua: LAND_LUA });
    }
  }

  /** Records an export's outcome: the first finish of its job writes it, any later one repeats. */
  recordExport(outcome: Outcome): Promise<RecordResult> {
    return this.record(
      'export',
      outcome.jobId,
      outcome,
      metricFields.outcome(outcome.status, outcome.error?.kind),
    );
  }

  /** Records a discovery's outcome, as {@link recordExport} does for an export. */
  recordDiscovery(outcome: DiscoveryOutcome): Promise<RecordResult> {
    return this.record('discovery', outcome.jobId, outcome, metricFields.discovery(outcome.status));
  }

  /**
   * Writes where a succeeded export's object stands (`landing`) into its record. The final
   * states (`landed`, `not-landed`) are counted once (see `landing.ts`); the record is not a
   * new outcome and keeps its place. `missing` when the export has no record (yet).
   */
  async updateLanding(jobId: string, landing: Landing): Promise<LandingUpdate> {
    const job = await this.queue.getJob(jobId);
    if (!job?.data || job.name !== RECORD_NAMES.export) return 'missing';
    const outcome = job.data as Outcome;
    let first = 1;
    if (landing.state === 'landed' || landing.state === 'not-landed') {
      const { instance } = summaryArgs(outcome);
      const { fields, sum } = landingCounts(landing);
      const commands = this.redis as unknown as LedgerCommands;
      first = await commands.ncpLedgerLand(
        landingClaimKey(this.prefix, jobId),
        metricsKey(this.prefix),
        summaryKey(this.prefix, instance),
        this.claimMs,
        jobId,
        landing.state,
        landing.key ?? '',
        sum,
        ...fields,
      );
    }
    await job.updateData({ ...outcome, landing });
    return first === 1 ? 'updated' : 'repeat';
  }

  /** Those of `jobIds` that have no record (in whatever state a consumer left it). */
  async unrecorded(jobIds: readonly string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.exists(jobKey(this.prefix, RESULTS_QUEUE, jobId));
    const answers = (await pipeline.exec()) ?? [];
    return jobIds.filter((_, i) => answers[i]?.[1] !== 1);
  }

  async exportOutcome(jobId: string): Promise<Outcome | undefined> {
    return this.typed('export', await this.queue.getJob(jobId)) as Outcome | undefined;
  }

  async discoveryOutcome(jobId: string): Promise<DiscoveryOutcome | undefined> {
    return this.typed('discovery', await this.queue.getJob(jobId)) as DiscoveryOutcome | undefined;
  }

  /** What kind of record `jobId` has, if any. */
  async kindOf(jobId: string): Promise<RecordKind | undefined> {
    const job = await this.queue.getJob(jobId);
    if (!job?.data) return undefined;
    return job.name === RECORD_NAMES.discovery ? 'discovery' : 'export';
  }

  /** Every retained export outcome matching `filter`, page by page. */
  exportOutcomes(filter: OutcomeFilter = {}): AsyncGenerator<Outcome> {
    return scanRecords(this.queue, RECORD_NAMES.export, filter) as AsyncGenerator<Outcome>;
  }

  /** Every retained discovery outcome that `keep` accepts, oldest finish first. */
  async discoveryOutcomes(
    keep: (outcome: DiscoveryOutcome) => boolean = () => true,
  ): Promise<DiscoveryOutcome[]> {
    const found: DiscoveryOutcome[] = [];
    for await (const record of scanRecords(this.queue, RECORD_NAMES.discovery, {})) {
      const outcome = record as DiscoveryOutcome;
      if (keep(outcome)) found.push(outcome);
    }
    return found.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  }

  /** The `limit` newest export outcomes still waiting for a consumer, newest first. */
  async recentExportOutcomes(limit: number): Promise<Outcome[]> {
    const jobs = await this.queue.getJobs(['waiting'], 0, limit - 1, false);
    return jobs.flatMap((job) => {
      const outcome = this.typed('export', job);
      return outcome ? [outcome as Outcome] : [];
    });
  }

  /** The `limit` newest discovery outcomes among the `scan` newest records waiting, newest first. */
  async recentDiscoveryOutcomes(limit: number, scan = 1000): Promise<DiscoveryOutcome[]> {
    const jobs = await this.queue.getJobs(['waiting'], 0, scan - 1, false);
    const found = jobs.flatMap((job) => {
      const outcome = this.typed('discovery', job);
      return outcome ? [outcome as DiscoveryOutcome] : [];
    });
    return found.slice(0, limit);
  }

  /** One page of export outcomes, for the HTTP API. */
  exportOutcomePage(filter: OutcomeFilter, options: PageOptions): Promise<OutcomePage> {
    return readPage(this.queue, RECORD_NAMES.export, filter, options);
  }

  /** The position of the ledger's event stream now, to follow from after reading what exists. */
  position(): Promise<string> {
    return streamPosition(this.redis, this.queue);
  }

  /** Export outcomes as they are recorded after `from`, until `signal` aborts. */
  followExportOutcomes(
    filter: OutcomeFilter,
    signal: AbortSignal,
    from: string,
    skip: ReadonlySet<string> = new Set(),
  ): AsyncGenerator<Outcome> {
    return followRecords(
      this.queue,
      RECORD_NAMES.export,
      filter,
      signal,
      from,
      skip,
    ) as AsyncGenerator<Outcome>;
  }

  /**
   * Every instance's summary (last success, last failure, runs per day), least recently
   * exported first; with `staleBeforeMs`, only those with no success since then.
   */
  instanceSummaries(filter: SummaryFilter = {}): AsyncGenerator<InstanceSummary> {
    return readSummaries(this.redis, this.prefix, filter);
  }

  /** Instances known, stale since `staleBeforeMs`, and the oldest last success. */
  coverage(staleBeforeMs: number): Promise<Coverage> {
    return readCoverage(this.redis, this.prefix, staleBeforeMs);
  }

  /**
   * Rebuilds the summaries from the export outcomes retained: clears them, then summarizes
   * every record once. For records written before summaries existed; exports that finish
   * meanwhile may be counted twice. Returns the number of records read.
   */
  async rebuildSummaries(): Promise<number> {
    await clearSummaries(this.redis, this.prefix);
    const commands = this.redis as unknown as LedgerCommands;
    let read = 0;
    for await (const outcome of this.exportOutcomes()) {
      const { instance, args } = summaryArgs(outcome);
      await commands.ncpLedgerSummarize(
        summaryKey(this.prefix, instance),
        summaryIndexKey(this.prefix),
        ...args,
      );
      read += 1;
    }
    return read;
  }

  /** Records retained, of both kinds. */
  async retained(): Promise<number> {
    const counts = await this.queue.getJobCounts(...RECORD_STATES);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  /** Finished records counted so far (the counters behind `ncp_cache_export_outcomes_total`). */
  async totals(): Promise<LedgerTotals> {
    const counters = await this.redis.hgetall(metricsKey(this.prefix));
    const totals: LedgerTotals = { exports: 0, discoveries: 0, repeats: 0 };
    for (const [field, value] of Object.entries(counters)) {
      const type = field.slice(0, 2);
      if (type === 'o|') totals.exports += Number(value);
      else if (type === 'd|') totals.discoveries += Number(value);
      else if (type === 'r|') totals.repeats += Number(value);
    }
    return totals;
  }

  /** Removes records finished more than `keepSeconds` ago, in whatever state; returns how many. */
  async prune(keepSeconds: number): Promise<number> {
    let removed = 0;
    for (const state of PRUNE_STATES) {
      for (;;) {
        const ids = await this.queue.clean(keepSeconds * 1000, PRUNE_BATCH, state);
        removed += ids.length;
        if (ids.length < PRUNE_BATCH) break;
      }
    }
    return removed;
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async record(
    kind: RecordKind,
    jobId: string,
    data: Outcome | DiscoveryOutcome,
    countAs: string,
  ): Promise<RecordResult> {
    const claim = `${this.prefix}:${RESULTS_QUEUE}-claim:${jobId}`;
    const commands = this.redis as unknown as LedgerCommands;
    const claimArgs = [this.claimMs, countAs, metricFields.repeat(kind)] as const;
    let first: number;
    if (kind === 'export') {
      const { instance, args } = summaryArgs(data as Outcome);
      first = await commands.ncpLedgerClaimExport(
        claim,
        metricsKey(this.prefix),
        summaryKey(this.prefix, instance),
        summaryIndexKey(this.prefix),
        ...claimArgs,
        ...args,
      );
    } else {
      first = await commands.ncpLedgerClaim(claim, metricsKey(this.prefix), ...claimArgs);
    }
    // Added even on a repeat: it repairs a first finish that died between claim and add, and
    // BullMQ ignores it when the record is there.
    await this.queue.add(RECORD_NAMES[kind], data, { jobId });
    if (first !== 1) return 'repeat';
    this.onRecord?.(kind, data);
    return 'recorded';
  }

  private typed(kind: RecordKind, job: Job | undefined | null): unknown {
    if (!job?.data) return undefined;
    const isDiscovery = job.name === RECORD_NAMES.discovery;
    return (kind === 'discovery') === isDiscovery ? job.data : undefined;
  }
}

/** States a record can be in: `waiting` until some system consumes it and moves it on. */
export const RECORD_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed'] as const;
const PRUNE_STATES = ['wait', 'completed', 'failed', 'delayed'] as const;
const PRUNE_BATCH = 1000;
