/**
 * Discovery from the producer side: enqueue a discovery job, and wait for the outcome a worker
 * writes for it. Discovery itself runs in the workers, so its NCP calls share their rate limit.
 */

import { randomBytes } from 'node:crypto';
import { type JobsOptions, Queue } from 'bullmq';
import type { JobPolicy } from '../shared/config.ts';
import { BACKOFF_TYPE, DISCOVERY_JOB_NAME, DISCOVERY_QUEUE } from '../shared/contract.ts';
import { DEFAULTS } from '../shared/defaults.ts';
import { delay } from '../shared/delay.ts';
import type { DiscoveryOutcome, DiscoveryRequest } from '../shared/discovery-contract.ts';
import type { ExportProducer } from './producer.ts';

/**
 * Options of every discovery job, enqueued by hand or created by a schedule. Each NCP call in
 * it is already retried with the export policy, so the job's own attempts only cover what is
 * not NCP's doing (a lost Redis connection, a crash).
 */
export function discoveryJobOptions(policy: JobPolicy) {
  return {
    attempts: DEFAULTS.discoveryAttempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: policy.keepCompletedSeconds },
    removeOnFail: { age: policy.keepFailedSeconds },
  } satisfies JobsOptions;
}

/** The discovery queue on the producer's connection and prefix; close it after use. */
export function openDiscoveryQueue(producer: ExportProducer): Queue {
  const queue = new Queue(DISCOVERY_QUEUE, {
    connection: producer.redis,
    prefix: producer.queue.opts.prefix,
  });
  // It shares the producer's connection, whose errors reach the producer's `onError` already:
  // heard here too, each would be reported twice (unheard, BullMQ would print it).
  queue.on('error', () => {});
  return queue;
}

/** Enqueues one discovery under a fresh id (`discover-<time>-<random>`); returns the id. */
export async function enqueueDiscovery(
  queue: Queue,
  request: DiscoveryRequest,
  policy: JobPolicy,
): Promise<string> {
  const jobId = `discover-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  await queue.add(DISCOVERY_JOB_NAME, request, { ...discoveryJobOptions(policy), jobId });
  return jobId;
}

/** The discovery outcome written under `jobId`, if any. */
export async function readDiscoveryOutcome(
  producer: ExportProducer,
  jobId: string,
): Promise<DiscoveryOutcome | undefined> {
  return producer.ledger.discoveryOutcome(jobId);
}

export interface WaitOptions {
  timeoutMs: number;
  /** @defaultValue 200 */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Why no outcome came. */
export type WaitFailure =
  | { reason: 'timeout'; state: string }
  | { reason: 'failed'; message: string }
  | { reason: 'gone' };

/**
 * Polls for the outcome of discovery `jobId`. Resolves with the outcome, or with why there is
 * none: the time ran out, or the job failed (or vanished) without writing one.
 */
export async function waitForDiscovery(
  producer: ExportProducer,
  queue: Queue,
  jobId: string,
  options: WaitOptions,
): Promise<DiscoveryOutcome | WaitFailure> {
  const deadline = Date.now() + options.timeoutMs;
  for (let round = 0; ; round++) {
    const outcome = await readDiscoveryOutcome(producer, jobId);
    if (outcome) return outcome;
    if (round % 10 === 9 || Date.now() >= deadline) {
      const state = await queue.getJobState(jobId);
      if (state === 'failed' || state === 'unknown') {
        const late = await readDiscoveryOutcome(producer, jobId);
        if (late) return late;
        if (state === 'unknown') return { reason: 'gone' };
        const job = await queue.getJob(jobId);
        return { reason: 'failed', message: job?.failedReason || 'the discovery job failed' };
      }
      if (Date.now() >= deadline) return { reason: 'timeout', state };
    }
    await delay(options.pollMs ?? 200, options.signal);
  }
}

/** Every retained discovery outcome that `keep` accepts, oldest finish first. */
export function readDiscoveryOutcomes(
  producer: ExportProducer,
  keep: (outcome: DiscoveryOutcome) => boolean = () => true,
): Promise<DiscoveryOutcome[]> {
  return producer.ledger.discoveryOutcomes(keep);
}
