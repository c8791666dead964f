/**
 * What a worker counts for the metrics (see shared/metrics.ts): every NCP call with its api,
 * HTTP status and latency, 429s, and every outcome written. The counts go to a Redis hash
 * shared by all workers, so any process reports the whole system. Counting never fails a job:
 * a write that fails is logged and dropped.
 */
import type { Outcome } from '../shared/contract.ts';
import type { Logger } from '../shared/logger.ts';
import { metricFields, metricsKey } from '../shared/metrics.ts';
import { NcpError } from '../shared/ncp/index.ts';
import type { RedisClient } from '../shared/redis.ts';
import type { OutcomeStore } from './outcome.ts';
import type { ExportClient } from './processor.ts';

export class MetricsRecorder {
  private readonly redis: RedisClient;
  private readonly key: string;
  private readonly logger: Logger;

  constructor(redis: RedisClient, prefix: string, logger: Logger) {
    this.redis = redis;
    this.key = metricsKey(prefix);
    this.logger = logger;
  }

  /** One NCP call that ended: `httpStatus` undefined when no HTTP answer came. */
  call(api: string, httpStatus: number | undefined, seconds: number): void {
    const multi = this.redis
      .multi()
      .hincrby(this.key, metricFields.callBucket(api, httpStatus, seconds), 1)
      .hincrbyfloat(this.key, metricFields.callSum(api, httpStatus), seconds.toFixed(6));
    if (httpStatus === 429) multi.hincrby(this.key, metricFields.throttled(api), 1);
    this.settle(multi.exec());
  }

  /** One outcome written. */
  outcome(outcome: Outcome): void {
    this.settle(
      this.redis.hincrby(this.key, metricFields.outcome(outcome.status, outcome.error?.kind), 1),
    );
  }

  private settle(write: Promise<unknown>): void {
    write.catch((error: unknown) => this.logger.debug({ err: error }, 'could not count a metric'));
  }
}

/** The NCP client, with each call timed and counted. */
export function instrumentClient(client: ExportClient, recorder: MetricsRecorder): ExportClient {
  return {
    async exportBackup(request, options) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const response = await client.exportBackup(request, options);
        recorder.call(request.api, response.httpStatus, seconds());
        return response;
      } catch (error) {
        const status = error instanceof NcpError ? error.httpStatus : undefined;
        recorder.call(request.api, status, seconds());
        throw error;
      }
    },
  };
}

/** The outcome store, with each outcome counted by status and error kind. */
export function countingOutcomeStore(store: OutcomeStore, recorder: MetricsRecorder): OutcomeStore {
  return {
    async write(outcome) {
      await store.write(outcome);
      recorder.outcome(outcome);
    },
    read: (jobId) => store.read(jobId),
  };
}
