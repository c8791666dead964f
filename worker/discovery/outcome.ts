/**
 * Discovery outcome records: how one is built from a finished run. They are written only
 * through the ledger (`shared/ledger/`), by way of `../finish.ts`.
 */
import type { Job } from 'bullmq';
import type {
  DiscoveredInstance,
  DiscoveryError,
  DiscoveryOutcome,
  DiscoveryRequest,
} from '../../shared/discovery-contract.ts';
import type { RecordResult } from '../../shared/ledger/index.ts';

/** Where the discovery processor records outcomes: the ledger (see `../finish.ts`), or a test's. */
export interface DiscoveryOutcomeStore {
  /** Records the job's outcome; `repeat` when the job was recorded before (kept, not replaced). */
  write(outcome: DiscoveryOutcome): Promise<RecordResult>;
  /** The outcome already recorded for a discovery job, if any. */
  read(jobId: string): Promise<DiscoveryOutcome | undefined>;
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
    exportsEnqueued: files.filter((file) => file.result === 'added' || file.result === 'rerun')
      .length,
    exportsDuplicate: files.filter((file) => file.result === 'duplicate').length,
    instances: run.instances,
    errors: run.errors,
    attempts: run.job.attemptsMade + 1,
    enqueuedAt: new Date(run.job.timestamp).toISOString(),
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
  };
}
