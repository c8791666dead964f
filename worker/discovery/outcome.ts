/**
 * Discovery outcomes: one per discovery job that finished for good, written to the results
 * queue as a job named `discovery-outcome` under the discovery job's id. As with export
 * outcomes, BullMQ ignores an add whose id exists, so a discovery run twice leaves one record.
 */
import type { Job, Queue } from 'bullmq';
import { DISCOVERY_OUTCOME_JOB_NAME } from '../../shared/contract.ts';
import type {
  DiscoveredInstance,
  DiscoveryError,
  DiscoveryOutcome,
  DiscoveryRequest,
} from '../../shared/discovery-contract.ts';

export interface DiscoveryOutcomeStore {
  write(outcome: DiscoveryOutcome): Promise<void>;
  /** The outcome already written for a discovery job, if any. */
  read(jobId: string): Promise<DiscoveryOutcome | undefined>;
}

export class QueueDiscoveryOutcomeStore implements DiscoveryOutcomeStore {
  private readonly queue: Queue;

  constructor(resultsQueue: Queue) {
    this.queue = resultsQueue;
  }

  async write(outcome: DiscoveryOutcome): Promise<void> {
    await this.queue.add(DISCOVERY_OUTCOME_JOB_NAME, outcome, { jobId: outcome.jobId });
  }

  async read(jobId: string): Promise<DiscoveryOutcome | undefined> {
    const job = await this.queue.getJob(jobId);
    return job?.name === DISCOVERY_OUTCOME_JOB_NAME ? (job.data as DiscoveryOutcome) : undefined;
  }
}

export interface FinishedDiscovery {
  job: Pick<Job, 'id' | 'timestamp' | 'attemptsMade'>;
  /** The validated request, or the raw data when it broke the contract. */
  request: DiscoveryRequest | Record<string, unknown>;
  dryRun: boolean;
  instancesSeen: number;
  instances: DiscoveredInstance[];
  errors: DiscoveryError[];
  /** The instance list itself could not be read: nothing was discovered. */
  fatal: boolean;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The outcome record. Status: `failed` when the run could not list instances, or when
 * instances matched and every one of them had a problem; `partial` when some had;
 * `succeeded` otherwise (also when nothing matched).
 */
export function buildDiscoveryOutcome(run: FinishedDiscovery): DiscoveryOutcome {
  const files = run.instances.flatMap((instance) => instance.files);
  const troubled = new Set(run.errors.map((error) => error.instanceNo));
  const everyInstanceFailed =
    run.instances.length > 0 &&
    run.instances.every((instance) => troubled.has(instance.instanceNo));
  const status =
    run.fatal || everyInstanceFailed ? 'failed' : run.errors.length > 0 ? 'partial' : 'succeeded';
  return {
    jobId: String(run.job.id),
    request: run.request as DiscoveryOutcome['request'],
    status,
    dryRun: run.dryRun,
    instancesSeen: run.instancesSeen,
    instancesMatched: run.instances.length,
    filesChosen: files.length,
    exportsEnqueued: files.filter((file) => file.result === 'added').length,
    exportsDuplicate: files.filter((file) => file.result === 'duplicate').length,
    instances: run.instances,
    errors: run.errors,
    attempts: run.job.attemptsMade + 1,
    enqueuedAt: new Date(run.job.timestamp).toISOString(),
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
  };
}
