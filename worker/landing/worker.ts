/**
 * The landing worker of a worker process: takes due landing checks from `cache-export-landing`
 * (its own concurrency; checks hold no export slot and no NCP rate budget) and looks in Object
 * Storage under its own rate limit (STORAGE_RATE_LIMIT, shared by every worker).
 */
import { Worker } from 'bullmq';
import type { LandingConfig, RedisConfig } from '../../shared/config.ts';
import { LANDING_QUEUE } from '../../shared/contract.ts';
import { ObjectStorageClient } from '../../shared/landing/storage-client.ts';
import type { Ledger } from '../../shared/ledger/index.ts';
import type { Logger } from '../../shared/logger.ts';
import { createRedis, type RedisClient } from '../../shared/redis.ts';
import { bullTelemetry } from '../../shared/tracing.ts';
import { RateLimiter } from '../rate-limit.ts';
import { BatchLooker } from './batch-looker.ts';
import type { LandingJobData } from './job.ts';
import { createLandingProcessor } from './processor.ts';
import { LandingScheduler } from './scheduler.ts';

export interface LandingWorker {
  readonly worker: Worker<LandingJobData>;
  readonly scheduler: LandingScheduler;
  readonly storage: ObjectStorageClient;
  close(force?: boolean): Promise<void>;
}

export interface LandingWorkerOptions {
  config: LandingConfig;
  redis: RedisConfig;
  /** The process's shared connection (queue writes, the storage rate limit). */
  connection: RedisClient;
  ledger: Ledger;
  logger: Logger;
}

export function startLandingWorker(options: LandingWorkerOptions): LandingWorker {
  const { config, redis, connection, logger } = options;
  const limiter = new RateLimiter(connection, {
    callsPerSecond: config.storageRateLimit,
    // Keys of its own: Object Storage calls never spend NCP's budget, nor the other way.
    queuePrefix: `${redis.prefix}:storage`,
  });
  const storage = new ObjectStorageClient({
    settings: config,
    beforeRequest: async (signal) => {
      await limiter.sent(await limiter.acquire(signal));
    },
  });
  const looker = new BatchLooker(storage, config.batchMs);
  const scheduler = new LandingScheduler(connection, redis.prefix, config);
  const workerConnection = createRedis(redis, 'worker');
  workerConnection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const telemetry = bullTelemetry();
  const worker = new Worker<LandingJobData>(
    LANDING_QUEUE,
    createLandingProcessor({
      looker,
      record: (jobId, landing) => options.ledger.updateLanding(jobId, landing),
      logger,
      pollMs: config.pollMs,
    }),
    {
      connection: workerConnection,
      prefix: redis.prefix,
      concurrency: config.concurrency,
      ...(telemetry ? { telemetry } : {}),
    },
  );
  worker.on('error', (error) => logger.error({ err: error, queue: LANDING_QUEUE }, 'worker error'));
  scheduler.queue.on('error', (error) =>
    logger.warn({ err: error, queue: LANDING_QUEUE }, 'landing queue error'),
  );
  return {
    worker,
    scheduler,
    storage,
    async close(force = false) {
      await worker.close(force);
      await scheduler.close();
      storage.close();
      await workerConnection.quit().catch(() => workerConnection.disconnect());
    },
  };
}
