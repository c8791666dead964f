/** Landing-check tests: a pipeline whose worker looks in the emulator's Object Storage. */
import { Queue } from 'bullmq';
import { LANDING_QUEUE, type Landing, type Outcome } from '../../shared/contract.ts';
import type { ExportWorker } from '../../worker/export-worker.ts';
import type { Emulator } from '../emulator/index.ts';
import { type Pipeline, startInProcessWorker } from './pipeline.ts';
import { waitFor } from './redis.ts';

/** Worker settings for quick tests: a look every 200 ms, batched within 100 ms. */
export function landingEnv(
  emulator: Pick<Emulator, 'objectStorage'>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OBJECT_STORAGE_URL: emulator.objectStorage!.url,
    EXPORT_LANDING_POLL_MS: '200',
    EXPORT_LANDING_BATCH_MS: '100',
    EXPORT_LANDING_TIMEOUT: '60s',
    ...extra,
  };
}

export function startLandingPipelineWorker(
  pipeline: Pipeline,
  emulator: Pick<Emulator, 'objectStorage'>,
  extra: Record<string, string> = {},
): ExportWorker {
  return startInProcessWorker(pipeline, landingEnv(emulator, extra));
}

/** Waits until `count` export outcomes are recorded and none of them is still `pending`. */
export async function settledOutcomes(
  pipeline: Pipeline,
  count: number,
  timeoutMs = 60_000,
): Promise<Outcome[]> {
  let outcomes: Outcome[] = [];
  await waitFor(
    `${count} outcomes with a final landing state`,
    async () => {
      if ((await pipeline.outcomeCount()) < count) return false;
      outcomes = await pipeline.outcomes();
      return outcomes.every((outcome) => outcome.landing?.state !== 'pending');
    },
    timeoutMs,
    100,
  );
  return outcomes;
}

export function landingOf(outcome: Outcome): Landing {
  if (!outcome.landing) throw new Error(`outcome ${outcome.jobId} has no landing`);
  return outcome.landing;
}

/** Landing checks not yet ended (delayed between looks, waiting or being looked at). */
export async function pendingLandings(pipeline: Pipeline): Promise<number> {
  const queue = new Queue(LANDING_QUEUE, {
    connection: { url: pipeline.redisUrl },
    prefix: pipeline.prefix,
  });
  try {
    const counts = await queue.getJobCounts('delayed', 'waiting', 'active');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
  }
}
