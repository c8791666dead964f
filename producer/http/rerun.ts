/**
 * Re-runs of failed exports for the HTTP service and the dashboard, by the same scheme as
 * `retry`: each re-run is a new job `<id>~rN` that writes its own outcome; the failed job is
 * never revived.
 */

import type { ExportProducer } from '../producer.ts';
import { planRetries, type RetrySelection, type RetrySkip } from '../retry.ts';

export interface RerunResult {
  rerun: { failedJobId: string; jobId: string }[];
  skipped: RetrySkip[];
}

export async function rerunFailed(
  producer: ExportProducer,
  selection: RetrySelection,
): Promise<RerunResult> {
  const plan = await planRetries(producer, selection);
  const added = await producer.add(plan.retries.map(({ jobId, request }) => ({ jobId, request })));
  const result: RerunResult = { rerun: [], skipped: [...plan.skipped] };
  plan.retries.forEach((retry, i) => {
    if (added[i]?.added) result.rerun.push({ failedJobId: retry.failedJobId, jobId: retry.jobId });
    else
      result.skipped.push({ jobId: retry.failedJobId, reason: `already queued as ${retry.jobId}` });
  });
  return result;
}
