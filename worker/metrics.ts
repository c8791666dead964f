/**
 * What a worker counts for the metrics (see shared/metrics.ts): every NCP call with its api,
 * HTTP status and latency, and 429s (outcomes are counted by the ledger as it records them).
 * The counts go to a Redis hash shared by all workers, so any process reports the whole
 * system. Counting never fails a job: a write that fails is logged and dropped. Counts are
 * written in batches, at most 50 ms apart (`MetricsRecorder`), so a worker killed with SIGKILL
 * loses at most 50 ms of calls.
 */
import type { Logger } from '../shared/logger.ts';
import { metricFields, metricsKey } from '../shared/metric-fields.ts';
import { NcpError } from '../shared/ncp/index.ts';
import type { RedisClient } from '../shared/redis.ts';
import type { ListClient } from './discovery/processor.ts';
import type { ExportClient } from './processor.ts';

/**
 * Adds a batch of increments to the metrics hash in one command. KEYS: the hash. ARGV: the
 * number of integer pairs n, then n pairs (field, amount) for HINCRBY, then pairs for
 * HINCRBYFLOAT.
 */
const ADD_METRICS = `
local ints = tonumber(ARGV[1])
for i = 2, 2 * ints, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
for i = 2 * ints + 2, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end
return ints
`;

interface MetricsCommands {
  ncpMetricsAdd(key: string, ...args: (string | number)[]): Promise<number>;
}

/** Longest a call's counts wait for the outcome that usually carries them to Redis. */
const CALL_FLUSH_MS = 50;

export class MetricsRecorder {
  private readonly redis: RedisClient;
  private readonly key: string;
  private readonly logger: Logger;
  private counts = new Map<string, number>();
  private sums = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(redis: RedisClient, prefix: string, logger: Logger) {
    this.redis = redis;
    this.key = metricsKey(prefix);
    this.logger = logger;
    if (!('ncpMetricsAdd' in redis)) {
      redis.defineCommand('ncpMetricsAdd', { numberOfKeys: 1, lua: ADD_METRICS });
    }
  }

  /**
   * One NCP call that ended: `httpStatus` undefined when no HTTP answer came. Its counts go to
   * Redis within 50 ms: one command for one or more exports. A MULTI per call (an
   * ioredis Pipeline copies every script defined on the connection) and a HINCRBY per outcome
   * cost the worker ~0.3 ms of CPU per export (docs/benchmarks.md).
   */
  call(api: string, httpStatus: number | undefined, seconds: number): void {
    this.count(metricFields.callBucket(api, httpStatus, seconds), 1);
    const sum = metricFields.callSum(api, httpStatus);
    this.sums.set(sum, (this.sums.get(sum) ?? 0) + seconds);
    if (httpStatus === 429) this.count(metricFields.throttled(api), 1);
    this.timer ??= setTimeout(() => void this.flush(), CALL_FLUSH_MS).unref();
  }

  /** Writes every count not yet written; resolves once written (or dropped on an error). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0 && this.sums.size === 0) return this.writing;
    const args: (string | number)[] = [this.counts.size];
    for (const [field, amount] of this.counts) args.push(field, amount);
    for (const [field, amount] of this.sums) args.push(field, amount.toFixed(6));
    this.counts = new Map();
    this.sums = new Map();
    const write = (this.redis as unknown as MetricsCommands).ncpMetricsAdd(this.key, ...args).then(
      () => {},
      (error: unknown) => this.logger.debug({ err: error }, 'could not count a metric'),
    );
    this.writing = write;
    return write;
  }

  private count(field: string, amount: number): void {
    this.counts.set(field, (this.counts.get(field) ?? 0) + amount);
  }
}

/**
 * The NCP client, with each call timed and counted: exports and discovery's list and create
 * calls alike, so a 429 of any of them shows in `ncp_cache_export_ncp_throttled_total`.
 */
export function instrumentClient<C extends ExportClient & ListClient>(
  client: C,
  recorder: MetricsRecorder,
): ExportClient & ListClient {
  const timed = async <T extends { httpStatus: number }>(
    api: string,
    send: () => Promise<T>,
  ): Promise<T> => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await send();
      recorder.call(api, response.httpStatus, seconds());
      return response;
    } catch (error) {
      const status = error instanceof NcpError ? error.httpStatus : undefined;
      recorder.call(api, status, seconds());
      throw error;
    }
  };
  return {
    exportBackup: (request, options) =>
      timed(request.api, () => client.exportBackup(request, options)),
    call: (api, action, params, options) =>
      timed(api, () => client.call(api, action, params, options)),
  };
}
