/**
 * Re-runs of exports that failed for good. A re-run is a new job whose id follows the failed
 * run's (`<id>~r1`, `<id>~r2`, ...), so each run keeps its own outcome, and retrying the same
 * failure twice adds one re-run only.
 */
import type { ExportRequest, Outcome } from '../shared/contract.ts';
import { parseExportRequest } from '../shared/contract.ts';
import { nextRunId } from '../shared/enqueue/index.ts';
import type { OutcomeFilter } from '../shared/ledger/index.ts';
import type { ExportProducer } from './producer.ts';

export { nextRunId } from '../shared/enqueue/index.ts';

export interface RetryCandidate {
  failedJobId: string;
  jobId: string;
  request: ExportRequest;
}

export interface RetrySkip {
  jobId: string;
  reason: string;
}

export interface RetryPlan {
  retries: RetryCandidate[];
  skipped: RetrySkip[];
}

export type RetrySelection =
  | { all: true; filter: OutcomeFilter }
  | { all: false; jobIds: readonly string[]; filter: OutcomeFilter };

export async function planRetries(
  producer: ExportProducer,
  selection: RetrySelection,
): Promise<RetryPlan> {
  const plan: RetryPlan = { retries: [], skipped: [] };
  const failed: Outcome[] = [];
  const filter: OutcomeFilter = { ...selection.filter, status: 'failed' };
  if (selection.all) {
    for await (const outcome of producer.ledger.exportOutcomes(filter)) failed.push(outcome);
  } else {
    for (const jobId of selection.jobIds) {
      const kind = await producer.ledger.kindOf(jobId);
      const outcome = kind === 'export' ? await producer.ledger.exportOutcome(jobId) : undefined;
      if (kind === 'discovery') {
        plan.skipped.push({ jobId, reason: 'it is a discovery, not an export' });
      } else if (!outcome)
        plan.skipped.push({
          jobId,
          reason: 'no outcome: it has not finished, or was never enqueued',
        });
      else if (outcome.status !== 'failed') plan.skipped.push({ jobId, reason: 'it succeeded' });
      else failed.push(outcome);
    }
  }

  const next = failed.map((outcome) => nextRunId(outcome.jobId));
  const taken = await producer.existingIds(next, { records: true });
  failed.forEach((outcome, i) => {
    const jobId = next[i]!;
    const parsed = parseExportRequest(outcome.request);
    if (taken.has(jobId)) {
      plan.skipped.push({ jobId: outcome.jobId, reason: `already re-run as ${jobId}` });
    } else if (!parsed.ok) {
      plan.skipped.push({
        jobId: outcome.jobId,
        reason: 'its data breaks the contract; fix and enqueue it anew',
      });
    } else {
      plan.retries.push({ failedJobId: outcome.jobId, jobId, request: parsed.value });
    }
  });
  return plan;
}
