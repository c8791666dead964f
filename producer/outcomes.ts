/**
 * Reads outcome records from the results queue, whatever state a consumer left them in.
 */
import { type JobType, type Queue, QueueEvents } from 'bullmq';
import { DISCOVERY_OUTCOME_JOB_NAME, type ErrorKind, type Outcome } from '../shared/contract.ts';
import { duplicateForBlocking, type RedisClient } from '../shared/redis.ts';

export interface OutcomeFilter {
  status?: Outcome['status'] | undefined;
  /** Only outcomes that finished at or after this time. */
  since?: Date | undefined;
  /** Only failed outcomes with one of these error kinds. */
  kinds?: ReadonlySet<ErrorKind> | undefined;
}

/**
 * True for an export outcome record: the results queue also holds discovery outcomes (job name
 * `discovery-outcome`), which have another shape.
 */
export function isExportOutcome<T extends { name: string; data?: unknown }>(
  job: T | null | undefined,
): job is T {
  return Boolean(job?.data) && job?.name !== DISCOVERY_OUTCOME_JOB_NAME;
}

/** Outcomes stay `waiting` until some system consumes them; a consumer moves them on. */
const OUTCOME_STATES: JobType[] = ['waiting', 'active', 'completed', 'failed', 'delayed'];
const PAGE = 500;

export function matches(outcome: Outcome, filter: OutcomeFilter): boolean {
  if (filter.status && outcome.status !== filter.status) return false;
  if (filter.since && Date.parse(outcome.finishedAt) < filter.since.getTime()) return false;
  if (filter.kinds && !(outcome.error && filter.kinds.has(outcome.error.kind))) return false;
  return true;
}

/** Every retained outcome matching `filter`, oldest first within each state, page by page. */
export async function* readOutcomes(
  resultsQueue: Queue,
  filter: OutcomeFilter = {},
): AsyncGenerator<Outcome> {
  for (const state of OUTCOME_STATES) {
    for (let start = 0; ; start += PAGE) {
      const jobs = await resultsQueue.getJobs([state], start, start + PAGE - 1, true);
      for (const job of jobs) {
        if (isExportOutcome(job) && matches(job.data as Outcome, filter)) yield job.data as Outcome;
      }
      if (jobs.length < PAGE) break;
    }
  }
}

/** The position of the queue's event stream now, to follow from after reading what exists. */
export async function eventStreamPosition(
  redis: RedisClient,
  resultsQueue: Queue,
): Promise<string> {
  const [last] = await redis.xrevrange(resultsQueue.toKey('events'), '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0-0';
}

/**
 * Outcomes as they are written after stream position `from`, until `signal` aborts. Uses the
 * queue's event stream, so it sees outcomes from every worker without polling. `skip` holds
 * ids already shown.
 */
export async function* followOutcomes(
  resultsQueue: Queue,
  filter: OutcomeFilter,
  signal: AbortSignal,
  from: string,
  skip: ReadonlySet<string> = new Set(),
): AsyncGenerator<Outcome> {
  // QueueEvents blocks on the stream: it needs a connection that never gives up on a command.
  const connection = duplicateForBlocking(resultsQueue.opts.connection as RedisClient);
  const events = new QueueEvents(resultsQueue.name, {
    connection,
    prefix: resultsQueue.opts.prefix,
    lastEventId: from,
  });
  const pending: string[] = [];
  let wake: (() => void) | undefined;
  events.on('added', ({ jobId }) => {
    pending.push(jobId);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    await events.waitUntilReady();
    while (!signal.aborted) {
      const jobId = pending.shift();
      if (jobId === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if (skip.has(jobId)) continue;
      const job = await resultsQueue.getJob(jobId);
      if (isExportOutcome(job) && matches(job.data as Outcome, filter)) yield job.data as Outcome;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await events.close();
    connection.disconnect();
  }
}
