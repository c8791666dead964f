/** Queues landing checks: what the export processor calls once NCP accepted an export. */
import { Queue } from 'bullmq';
import type { LandingConfig } from '../../shared/config.ts';
import {
  type ExportRequest,
  LANDING_JOB_NAME,
  LANDING_QUEUE,
  type Landing,
} from '../../shared/contract.ts';
import { describeTarget, landingTarget } from '../../shared/landing/target.ts';
import type { RedisClient } from '../../shared/redis.ts';
import { bullTelemetry } from '../../shared/tracing.ts';
import type { LandingStarter } from '../processor.ts';
import { type LandingJobData, nextLookAt } from './job.ts';

export type LandingSchedule = Pick<
  LandingConfig,
  'keyTemplate' | 'prefix' | 'defaultRegion' | 'timeoutMs' | 'pollMs'
>;

export class LandingScheduler implements LandingStarter {
  readonly queue: Queue<LandingJobData>;
  private readonly config: LandingSchedule;

  constructor(connection: RedisClient, prefix: string, config: LandingSchedule) {
    this.config = config;
    // With traces on, a check is added inside the export's attempt: its runs join that trace.
    const telemetry = bullTelemetry();
    this.queue = new Queue<LandingJobData>(LANDING_QUEUE, {
      connection,
      prefix,
      ...(telemetry ? { telemetry } : {}),
    });
  }

  async begin(jobId: string, request: ExportRequest, acceptedAtMs: number): Promise<Landing> {
    const target = landingTarget(request, acceptedAtMs, this.config);
    const data: LandingJobData = {
      exportJobId: jobId,
      request,
      acceptedAtMs,
      deadlineMs: acceptedAtMs + this.config.timeoutMs,
      target,
      checks: 0,
    };
    await this.queue.add(LANDING_JOB_NAME, data, {
      jobId,
      delay: Math.max(0, nextLookAt(Date.now(), this.config.pollMs) - Date.now()),
      // Retries only for writing the result (Redis trouble); looks reschedule themselves.
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 86_400 },
    });
    return { state: 'pending', looked: describeTarget(target), checks: 0 };
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
