/**
 * The discovery side of a worker process: a BullMQ worker on `cache-export-discovery` that
 * shares the process's rate limiter, NCP client and shutdown signal with the export worker,
 * and enqueues what it finds through the de-duplicating {@link ExportEnqueuer}.
 */

import { Queue, Worker } from 'bullmq';
import type { JobPolicy, RedisConfig, WorkerConfig } from '../../shared/config.ts';
import { DISCOVERY_QUEUE, exportJobId } from '../../shared/contract.ts';
import { DEFAULTS } from '../../shared/defaults.ts';
import { ExportEnqueuer } from '../../shared/enqueue/index.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RedisClient } from '../../shared/redis.ts';
import type { CallLimiter } from '../ncp-call.ts';
import { sharedWorkerOptions } from '../worker-options.ts';
import { redisFreshStore } from './fresh-store.ts';
import type { DiscoveryOutcomeStore } from './outcome.ts';
import {
  createDiscoveryProcessor,
  type DiscoveryExporter,
  type DiscoveryResult,
  type ListClient,
} from './processor.ts';

export interface DiscoveryWorkerOptions {
  redis: RedisConfig;
  worker: WorkerConfig;
  policy: JobPolicy;
  logger: Logger;
  /**
   * A worker connection of the process to share (BullMQ duplicates it for its blocking fetch);
   * left open on close, its owner closes it.
   */
  connection: RedisClient;
  /** The process's rate limiter: discovery calls count against the same global limit. */
  limiter: CallLimiter;
  client: ListClient;
  /** Where finished discoveries are recorded: the ledger. */
  outcomes: DiscoveryOutcomeStore;
  defaultRegion: string | undefined;
  shutdown: AbortSignal;
}

export interface DiscoveryWorker {
  readonly worker: Worker<unknown, DiscoveryResult>;
  /** The discovery queue, to read its jobs by id. */
  readonly queue: Queue;
  /** Stops taking discovery jobs, then closes its queues (not the shared connection). */
  close(force?: boolean): Promise<void>;
}

export function startDiscoveryWorker(options: DiscoveryWorkerOptions): DiscoveryWorker {
  const { redis: redisConfig, worker: config, policy, logger } = options;
  const enqueuer = new ExportEnqueuer({
    connection: options.connection,
    prefix: redisConfig.prefix,
    policy,
    defaultRegion: options.defaultRegion,
  });
  enqueuer.queue.on('error', (error) =>
    logger.warn({ err: error, queue: enqueuer.queue.name }, 'export queue error'),
  );
  const exporter: DiscoveryExporter = {
    jobId: exportJobId,
    enqueue: (requests) => enqueuer.enqueue(requests),
    existing: (jobIds) => enqueuer.duplicates(jobIds),
  };

  const processor = createDiscoveryProcessor({
    client: options.client,
    limiter: options.limiter,
    exporter,
    outcomes: options.outcomes,
    logger,
    defaultRegion: options.defaultRegion,
    throttleMaxWaitMs: config.throttleMaxWaitMs,
    retry: {
      maxAttempts: policy.maxAttempts,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      retryAfterMaxMs: config.retryAfterMaxMs,
    },
    shutdown: options.shutdown,
    fresh: {
      store: redisFreshStore(
        options.connection,
        redisConfig.prefix,
        config.freshTimeoutMs + DEFAULTS.freshProgressSlackMs,
      ),
      timeoutMs: config.freshTimeoutMs,
      pollMs: config.freshPollMs,
    },
  });

  const worker = new Worker<unknown, DiscoveryResult>(
    DISCOVERY_QUEUE,
    processor,
    sharedWorkerOptions(
      options.connection,
      redisConfig,
      config,
      policy,
      DEFAULTS.discoveryConcurrency,
    ),
  );
  worker.on('error', (error) =>
    logger.error({ err: error, queue: DISCOVERY_QUEUE }, 'discovery worker error'),
  );

  const queue = new Queue(DISCOVERY_QUEUE, {
    connection: options.connection,
    prefix: redisConfig.prefix,
  });
  queue.on('error', (error) =>
    logger.warn({ err: error, queue: DISCOVERY_QUEUE }, 'discovery queue error'),
  );

  let closing: Promise<void> | undefined;
  return {
    worker,
    queue,
    close(force = false) {
      closing ??= (async () => {
        await worker.close(force);
        await Promise.all([queue.close(), enqueuer.close()]);
      })();
      return closing;
    },
  };
}
