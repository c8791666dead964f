/**
 * How the ledger reads its records back: filtered scans, pages with a cursor, and following new
 * records through the queue's event stream. Records stay `waiting` until some system consumes
 * them, so every read walks the states in a fixed order, oldest first within each.
 */
import { type Job, type JobType, type Queue, QueueEvents } from 'bullmq';
import type { ErrorKind, Outcome } from '../contract.ts';
import { duplicateForBlocking, type RedisClient } from '../redis.ts';

export interface OutcomeFilter {
  status?: Outcome['status'] | undefined;
  /** Only outcomes that finished at or after this time. */
  since?: Date | undefined;
  /** Only failed outcomes with one of these error kinds. */
  kinds?: ReadonlySet<ErrorKind> | undefined;
}

export function matches(outcome: Outcome, filter: OutcomeFilter): boolean {
  if (filter.status && outcome.status !== filter.status) return false;
  if (filter.since && Date.parse(outcome.finishedAt) < filter.since.getTime()) return false;
  if (filter.kinds && !(outcome.error && filter.kinds.has(outcome.error.kind))) return false;
  return true;
}

/** The order in which reads walk the states. */
const STATES: JobType[] = ['waiting', 'active', 'completed', 'failed', 'delayed'];
const PAGE = 500;

/** The record in `job` if it is of job name `name` and passes `filter` (export outcomes only). */
function pick(job: Job | undefined | null, name: string, filter: OutcomeFilter): unknown {
  if (job?.name !== name || !job.data) return undefined;
  return Object.keys(filter).length === 0 || matches(job.data as Outcome, filter)
    ? job.data
    : undefined;
}

/** Every retained record named `name` passing `filter`, page by page. */
export async function* scanRecords(
  queue: Queue,
  name: string,
  filter: OutcomeFilter,
): AsyncGenerator<unknown> {
  for (const state of STATES) {
    for (let start = 0; ; start += PAGE) {
      const jobs = await queue.getJobs([state], start, start + PAGE - 1, true);
      for (const job of jobs) {
        const record = pick(job, name, filter);
        if (record) yield record;
      }
      if (jobs.length < PAGE) break;
    }
  }
}

/** Where a page stopped: a state's index in the walk and the position within it. */
export interface OutcomeCursor {
  state: number;
  offset: number;
}

export interface OutcomePage {
  items: Outcome[];
  /** Where the next page starts; null when the walk is complete. */
  next: OutcomeCursor | null;
}

export interface PageOptions {
  cursor?: OutcomeCursor | undefined;
  limit: number;
  /** Most records looked at for one page; a sparse filter returns fewer items and a cursor. */
  maxScan?: number;
}

/**
 * One page of records. The cursor is the position after the last record scanned; new records
 * join the end, so paging forward misses none; records pruned or consumed meanwhile can shift a
 * position.
 */
export async function readPage(
  queue: Queue,
  name: string,
  filter: OutcomeFilter,
  options: PageOptions,
): Promise<OutcomePage> {
  const maxScan = options.maxScan ?? 10_000;
  const items: Outcome[] = [];
  let scanned = 0;
  for (let state = options.cursor?.state ?? 0; state < STATES.length; state++) {
    let offset = state === options.cursor?.state ? options.cursor.offset : 0;
    for (;;) {
      const size = Math.min(PAGE, maxScan - scanned);
      // Ids first, so positions stay right when a job vanishes before it is read.
      const ids = await queue.getRanges([STATES[state]!], offset, offset + size - 1, true);
      const jobs = (await Promise.all(ids.map((id) => queue.getJob(id)))) as (Job | undefined)[];
      for (const job of jobs) {
        offset++;
        scanned++;
        const record = pick(job, name, filter);
        if (!record) continue;
        items.push(record as Outcome);
        if (items.length === options.limit) return { items, next: { state, offset } };
      }
      if (ids.length < size) break;
      if (scanned >= maxScan) return { items, next: { state, offset } };
    }
  }
  return { items, next: null };
}

/** The position of the queue's event stream now. */
export async function streamPosition(redis: RedisClient, queue: Queue): Promise<string> {
  const [last] = await redis.xrevrange(queue.toKey('events'), '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0-0';
}

/**
 * Records named `name` as they are added after stream position `from`, until `signal` aborts.
 * Uses the queue's event stream, so it sees records from every worker without polling. `skip`
 * holds ids already shown.
 */
export async function* followRecords(
  queue: Queue,
  name: string,
  filter: OutcomeFilter,
  signal: AbortSignal,
  from: string,
  skip: ReadonlySet<string>,
): AsyncGenerator<unknown> {
  // QueueEvents blocks on the stream: it needs a connection that never gives up on a command.
  const connection = duplicateForBlocking(queue.opts.connection as RedisClient);
  const events = new QueueEvents(queue.name, {
    connection,
    prefix: queue.opts.prefix,
    lastEventId: from,
  });
  // Its connection errors go where the queue's own go: to whoever listens on the queue.
  events.on('error', (error) => queue.emit('error', error));
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
      const record = pick(await queue.getJob(jobId), name, filter);
      if (record) yield record;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await events.close();
    connection.disconnect();
  }
}
