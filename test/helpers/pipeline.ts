import { pino } from 'pino';
import { ExportProducer } from '../../producer/producer.ts';
import {
  loadJobPolicy,
  loadLandingConfig,
  loadNcpConfig,
  loadNotifyConfig,
  loadRedisConfig,
  loadReportConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import type { ExportRequestInput, Outcome } from '../../shared/contract.ts';
import { type ExportWorker, startExportWorker } from '../../worker/export-worker.ts';
import { DEFAULT_CREDENTIALS, type Emulator, type Seed } from '../emulator/index.ts';
import { deletePrefix, testRedisConfig } from './redis.ts';

/** One export request per SYSTEM backup of every instance in the seed. */
export function requestsFromSeed(seed: Seed, bucketName = seed.buckets[0]!): ExportRequestInput[] {
  return seed.instances.flatMap((instance) =>
    instance.backups
      .filter((backup) => backup.type === 'SYSTEM')
      .map((backup) => ({
        api: instance.api,
        instanceNo: instance.instanceNo,
        fileName: backup.fileName,
        bucketName,
        regionCode: instance.regionCode,
      })),
  );
}

/** A vredis export request of `fileName` into `bucketName` for instance `instanceNo`. */
export function vredisRequest(
  instanceNo: string,
  fileName: string,
  bucketName: string,
): ExportRequestInput {
  return { api: 'vredis', instanceNo, fileName, bucketName };
}

export interface Pipeline {
  producer: ExportProducer;
  prefix: string;
  redisUrl: string;
  /** Environment for a worker process talking to `emulator`. */
  workerEnv(extra?: Record<string, string>): Record<string, string>;
  outcomes(): Promise<Outcome[]>;
  /** Number of outcome records written (cheap; poll this, then read them once). */
  outcomeCount(): Promise<number>;
  cleanup(): Promise<void>;
}

export interface PipelineOptions {
  /** @defaultValue 8 */
  maxAttempts?: number;
  /** Another Redis than the test Redis (e.g. a private one to restart). */
  redisUrl?: string;
}

export async function openPipeline(
  label: string,
  emulator: Pick<Emulator, 'url'>,
  options: PipelineOptions = {},
): Promise<Pipeline> {
  const redis = testRedisConfig(label);
  if (options.redisUrl) redis.url = options.redisUrl;
  const producer = await ExportProducer.connect({
    redis,
    policy: {
      maxAttempts: options.maxAttempts ?? 8,
      keepCompletedSeconds: 3600,
      keepFailedSeconds: 3600,
      keepOutcomesSeconds: undefined,
    },
    defaultRegion: 'KR',
  });
  return {
    producer,
    prefix: redis.prefix,
    redisUrl: redis.url,
    workerEnv: (extra = {}) => ({
      NCP_ACCESS_KEY: DEFAULT_CREDENTIALS.accessKey,
      NCP_SECRET_KEY: DEFAULT_CREDENTIALS.secretKey,
      NCP_API_URL: emulator.url,
      NCP_REGION: 'KR',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      EXPORT_BACKOFF_BASE_MS: '50',
      EXPORT_BACKOFF_MAX_MS: '400',
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...extra,
    }),
    outcomes: async () => {
      const outcomes: Outcome[] = [];
      for await (const outcome of producer.ledger.exportOutcomes()) outcomes.push(outcome);
      return outcomes;
    },
    outcomeCount: () => producer.ledger.retained(),
    cleanup: async () => {
      await producer.close();
      await deletePrefix(redis.url, redis.prefix);
    },
  };
}

/** A worker in the test process, configured like a worker process with `env` would be. */
export function startInProcessWorker(
  pipeline: Pipeline,
  extraEnv: Record<string, string> = {},
): ExportWorker {
  const env = pipeline.workerEnv(extraEnv);
  return startExportWorker({
    ncp: loadNcpConfig(env),
    redis: loadRedisConfig(env),
    worker: loadWorkerConfig(env),
    policy: loadJobPolicy(env),
    logger: pino({ level: 'silent' }),
    report: loadReportConfig(env),
    notify: loadNotifyConfig(env),
    landing: loadLandingConfig(env),
  });
}
