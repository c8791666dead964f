/** The BullMQ job states this product speaks of. */

/** The states of the export queue that `status`, `/v1/status` and `ncp_cache_export_jobs` count. */
export const JOB_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

export type JobState = (typeof JOB_STATES)[number];

/** Every state BullMQ's `Job.getState()` may answer for a job (`unknown`: no such job). */
export const JOB_STATE_ANSWERS = [...JOB_STATES, 'waiting-children', 'unknown'] as const;
