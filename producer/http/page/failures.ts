/**
 * The page's failures: recent exports whose latest run failed, grouped by error kind and code,
 * with "retry these" for the kinds a later attempt can fix (RETRYABLE_KINDS) when UI_ALLOW_RETRY
 * allows it. Re-runs go through `rerunFailed` (the `retry` command's plan: a new job `<id>~rN`
 * per failure, never the failed job revived); a failure already re-run is no longer listed.
 */
import { type ErrorKind, type Outcome, RETRYABLE_KINDS } from '../../../shared/contract.ts';
import type { ExportProducer } from '../../producer.ts';
import { nextRunId } from '../../retry.ts';
import { type RerunResult, rerunFailed } from '../rerun.ts';
import { html, type SafeHtml } from './html.ts';
import { formatTime } from './layout.ts';
import { exportLink } from './now.ts';

/** Outcome records looked at: the newest, as `status` reads them. */
export const FAILURE_WINDOW = 1000;
const SHOWN_IDS = 10;

export interface FailureGroup {
  kind: ErrorKind;
  code: string;
  /** Failures not re-run yet, newest first. */
  failures: Outcome[];
  retryable: boolean;
}

/** Recent failures not re-run yet, by kind and code, largest group first. */
export async function readFailureGroups(producer: ExportProducer): Promise<FailureGroup[]> {
  const recent = await producer.ledger.recentExportOutcomes(FAILURE_WINDOW);
  const failed = recent.filter((outcome) => outcome.status === 'failed' && outcome.error);
  const rerun = await producer.existingIds(
    failed.map((outcome) => nextRunId(outcome.jobId)),
    { records: true },
  );
  const groups = new Map<string, FailureGroup>();
  for (const outcome of failed) {
    if (rerun.has(nextRunId(outcome.jobId))) continue;
    const { kind, code } = outcome.error!;
    const key = `${kind}\u0000${code}`;
    let group = groups.get(key);
    if (!group) {
      group = { kind, code, failures: [], retryable: RETRYABLE_KINDS.has(kind) };
      groups.set(key, group);
    }
    group.failures.push(outcome);
  }
  return [...groups.values()].sort((a, b) => b.failures.length - a.failures.length);
}

/** Re-runs every failure of one group, if its kind is retryable; undefined if it is not. */
export async function retryGroup(
  producer: ExportProducer,
  kind: string,
  code: string,
): Promise<RerunResult | undefined> {
  if (!RETRYABLE_KINDS.has(kind as ErrorKind)) return undefined;
  const group = (await readFailureGroups(producer)).find((g) => g.kind === kind && g.code === code);
  const jobIds = group?.failures.map((outcome) => outcome.jobId) ?? [];
  if (jobIds.length === 0) return { rerun: [], skipped: [] };
  return rerunFailed(producer, { all: false, jobIds, filter: {} });
}

export interface FailuresView {
  groups: FailureGroup[];
  allowRetry: boolean;
  csrf: string;
}

function retryForm(group: FailureGroup, view: FailuresView): SafeHtml | string {
  if (!group.retryable) {
    return html`<span class="muted">not retryable: fix the cause, then enqueue anew</span>`;
  }
  if (!view.allowRetry) return html`<span class="muted">retry needs UI_ALLOW_RETRY=true</span>`;
  return html`<form method="post" action="/failures/retry" class="inline">
    <input type="hidden" name="_csrf" value="${view.csrf}">
    <input type="hidden" name="kind" value="${group.kind}">
    <input type="hidden" name="code" value="${group.code}">
    <button class="primary" type="submit">Retry these ${group.failures.length}</button></form>`;
}

export function failuresSection(view: FailuresView): SafeHtml {
  const groups = view.groups.map((group) => {
    const latest = group.failures[0]!;
    const more = group.failures.length - SHOWN_IDS;
    return html`<tr>
      <td class="bad">${group.kind}</td><td class="mono">${group.code}</td>
      <td>${group.failures.length}</td><td>${formatTime(latest.finishedAt)}</td>
      <td class="msg">${latest.error?.message ?? ''}</td>
      <td>${group.failures.slice(0, SHOWN_IDS).map((o) => html`<div>${exportLink(o.jobId)}</div>`)}
        ${more > 0 ? html`<div class="muted">and ${more} more</div>` : ''}</td>
      <td>${retryForm(group, view)}</td>
    </tr>`;
  });
  return html`<section class="card" id="failures">
  <h2>Failures <span class="muted">(latest runs among the ${FAILURE_WINDOW} newest outcomes, not re-run yet)</span></h2>
  ${
    groups.length === 0
      ? html`<p class="ok">No failure.</p>`
      : html`<table>
    <tr><th>kind</th><th>code</th><th>exports</th><th>latest (UTC)</th><th>latest message</th><th>job ids</th><th></th></tr>
    ${groups}</table>`
  }
</section>`;
}
