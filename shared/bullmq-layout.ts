/**
 * The one place that reads BullMQ's private Redis layout. BullMQ offers no public call for
 * three things this product needs at Redis speed: "was this job created by my add, or was it
 * there already" for a batch of thousands, "which jobs entered the failed set in this time
 * range", and the keys a Lua script must name. Everything here is checked against BullMQ
 * itself by `test/integration/bullmq-layout.test.ts`, which fails when BullMQ changes it.
 */

/** `{prefix}:{queue}:{jobId}`: the hash holding a job's data and fields. */
export function jobKey(prefix: string, queue: string, jobId: string): string {
  return `${prefix}:${queue}:${jobId}`;
}

/**
 * The sorted set of a finished state: members are job ids, scores the job's `finishedOn`
 * (milliseconds, the finishing worker's clock).
 */
export function finishedSetKey(prefix: string, queue: string, state: 'completed' | 'failed') {
  return `${prefix}:${queue}:${state}`;
}

/** The job hash field holding the creation time given to `add` (`opts.timestamp`). */
export const CREATED_AT_FIELD = 'timestamp';
