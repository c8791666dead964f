/**
 * Schedules: BullMQ job schedulers on the discovery queue, one per name, each creating a
 * discovery job on its cron. They live in Redis, so they survive restarts of every process.
 *
 * BullMQ keeps only the next tick's job, under the id `repeat:<name>:<tick time in ms>`; the
 * worker that takes it adds the following tick's job. However many workers run, a tick is one
 * job id, so it runs once; while no worker runs, ticks do not pile up.
 */
import type { Queue } from 'bullmq';
import type { JobPolicy } from '../shared/config.ts';
import { DISCOVERY_JOB_NAME } from '../shared/contract.ts';
import {
  type DiscoveryRequest,
  discoveryRequestSchema,
  SCHEDULE_NAME,
} from '../shared/discovery-contract.ts';
import { discoveryJobOptions } from './discovery.ts';

export interface Schedule {
  name: string;
  cron: string;
  /** IANA time zone of the cron; undefined means the workers' local time. */
  tz: string | undefined;
  /** Next tick, ms since epoch; undefined when BullMQ has none. */
  next: number | undefined;
  /** The discovery each tick runs; undefined if the template is not a discovery request. */
  request: DiscoveryRequest | undefined;
}

/** A schedule the caller got wrong: the message names the option. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

/** Checks a schedule name: it becomes part of job ids, so `:` and `~` are out. */
export function checkScheduleName(name: string): void {
  if (!SCHEDULE_NAME.test(name)) {
    throw new ScheduleError(
      `schedule name "${name}" must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

/** Checks an IANA time zone name such as Asia/Seoul. */
export function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ScheduleError(
      `--tz: "${tz}" is not a time zone (expected a name such as Asia/Seoul)`,
    );
  }
}

/**
 * Creates or replaces schedule `name`. Returns whether it existed, and its next tick.
 * @throws ScheduleError for a bad name, time zone or cron pattern
 */
export async function upsertSchedule(
  queue: Queue,
  policy: JobPolicy,
  schedule: { name: string; cron: string; tz?: string | undefined; request: DiscoveryRequest },
): Promise<{ existed: boolean; next: number | undefined }> {
  checkScheduleName(schedule.name);
  if (schedule.tz !== undefined) checkTimeZone(schedule.tz);
  const existed = (await queue.getJobScheduler(schedule.name)) !== undefined;
  try {
    await queue.upsertJobScheduler(
      schedule.name,
      { pattern: schedule.cron, ...(schedule.tz ? { tz: schedule.tz } : {}) },
      {
        name: DISCOVERY_JOB_NAME,
        data: { ...schedule.request, schedule: schedule.name },
        opts: discoveryJobOptions(policy),
      },
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScheduleError(`--cron: "${schedule.cron}" is not a cron pattern (${reason})`);
  }
  const stored = await queue.getJobScheduler(schedule.name);
  return { existed, next: stored?.next };
}

/** Every schedule, soonest tick first. */
export async function listSchedules(queue: Queue): Promise<Schedule[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  return schedulers.map((scheduler) => {
    const parsed = discoveryRequestSchema.safeParse(scheduler.template?.data);
    return {
      name: scheduler.key,
      cron: scheduler.pattern ?? (scheduler.every ? `every ${scheduler.every} ms` : ''),
      tz: scheduler.tz,
      next: scheduler.next,
      request: parsed.success ? parsed.data : undefined,
    };
  });
}

/** Removes schedule `name`; false when there was none. The tick already queued is removed too. */
export async function removeSchedule(queue: Queue, name: string): Promise<boolean> {
  return queue.removeJobScheduler(name);
}
