/**
 * The start of each export's trace: one root span per job enqueued (`enqueue export`, kind
 * producer), whose context goes into the job's options where BullMQ's telemetry reads it
 * (`opts.telemetry.metadata`), so every attempt of the job continues this trace. A trace per
 * export, not per batch: a bulk of 10,000 rows is 10,000 traces, each linked to the span that
 * enqueued them when there is one (a discovery's). Nothing happens with traces off.
 */
import type { JobsOptions } from 'bullmq';
import type { ExportRequest } from '../contract.ts';
import { type ExportTrace, startExportTrace, tracingActive } from '../tracing.ts';

export interface EnqueueSpans {
  /** Ends every span, saying whether its job was added (or was another producer's already). */
  end(added: (jobId: string) => boolean, error?: unknown): void;
}

/** Starts a trace per job and writes its context into the job's options. */
export function traceEnqueue(
  jobs: readonly { data: ExportRequest; opts: JobsOptions }[],
): EnqueueSpans | undefined {
  if (!tracingActive()) return undefined;
  const traces: { jobId: string; trace: ExportTrace }[] = [];
  for (const job of jobs) {
    const jobId = job.opts.jobId ?? '';
    const trace = startExportTrace('enqueue export', {
      'ncp_cache_export.job_id': jobId,
      'ncp.api': job.data.api,
      'ncp.instance_no': job.data.instanceNo,
      'ncp.region': job.data.regionCode,
      'ncp.backup_file': job.data.fileName,
      'ncp.bucket': job.data.bucketName,
    });
    if (!trace) continue;
    job.opts.telemetry = { metadata: trace.metadata };
    traces.push({ jobId, trace });
  }
  return {
    end(added, error) {
      for (const { jobId, trace } of traces) {
        trace.end({ 'ncp_cache_export.added': error === undefined && added(jobId) }, error);
      }
    },
  };
}
