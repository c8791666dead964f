/**
 * Coverage per instance, from the same rows as `report` (the ledger's per-instance summaries,
 * never a scan of the records): least recently exported first, so the stale ones lead. A search
 * matches the api, region, instance number, file, or the instance's name where a recent
 * discovery listed it.
 */
import type { DiscoveryOutcome } from '../../../shared/discovery-contract.ts';
import type { ExportProducer } from '../../producer.ts';
import { formatAge, type ReportRow, reportRows } from '../../report/rows.ts';
import { html, type SafeHtml } from './html.ts';
import { landingBadge, landingOf } from './landing.ts';
import { formatTime } from './layout.ts';
import { exportLink } from './now.ts';

const DAYS = 7;

export interface CoverageRow extends ReportRow {
  /** The name NCP gives the instance, from a recent discovery ("" if unknown). */
  name: string;
}

export interface CoverageQuery {
  staleAfterMs: number;
  /** Text to search for (any case); empty: every instance. */
  search: string;
  /** Most rows returned. */
  limit: number;
  /** Count every match (false: stop at `limit` when there is no search, for the overview). */
  complete: boolean;
}

export interface CoverageResult {
  rows: CoverageRow[];
  /** Instances that matched, shown or not. */
  matched: number;
  stale: number;
}

/** Instance names from discoveries, by `api~region~instanceNo`. */
export function namesFrom(runs: readonly DiscoveryOutcome[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const run of runs) {
    const request = run.request as Record<string, unknown>;
    for (const instance of run.instances) {
      if (!instance.name) continue;
      const key = `${String(request.api)}~${instance.regionCode ?? String(request.regionCode)}~${instance.instanceNo}`;
      if (!names.has(key)) names.set(key, instance.name);
    }
  }
  return names;
}

export async function readCoverage(
  producer: ExportProducer,
  names: ReadonlyMap<string, string>,
  query: CoverageQuery,
): Promise<CoverageResult> {
  const needle = query.search.trim().toLowerCase();
  const result: CoverageResult = { rows: [], matched: 0, stale: 0 };
  const rows = reportRows(producer.ledger, {
    now: Date.now(),
    staleAfterMs: query.staleAfterMs,
    staleOnly: false,
    days: DAYS,
  });
  for await (const row of rows) {
    const name = names.get(`${row.api}~${row.regionCode}~${row.instanceNo}`) ?? '';
    const text = [row.api, row.regionCode, row.instanceNo, name, row.lastSuccess?.fileName ?? '']
      .join(' ')
      .toLowerCase();
    if (needle && !text.includes(needle)) continue;
    result.matched++;
    if (row.stale) result.stale++;
    if (result.rows.length < query.limit) result.rows.push({ ...row, name });
    // Without a search, the first rows are all the overview needs: stale ones come first.
    else if (!needle && !query.complete) break;
  }
  return result;
}

export function coverageTable(rows: readonly CoverageRow[]): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No instance matches.</p>`;
  // The landing column only once landing checks record one.
  const landings = rows.map((row) => landingOf(row));
  const withLanding = landings.some((landing) => landing !== undefined);
  const body = rows.map((row, i) => {
    const landing = landings[i];
    return html`<tr>
      <td>${row.api}</td><td>${row.regionCode}</td><td class="mono">${row.instanceNo}</td><td>${row.name}</td>
      <td class="${row.stale ? 'bad' : 'ok'}">${formatAge(row.ageSeconds)}${row.stale ? ' (stale)' : ''}</td>
      <td>${row.lastSuccess ? html`${formatTime(row.lastSuccess.at)}<br>${exportLink(row.lastSuccess.jobId)}` : '-'}</td>
      ${withLanding ? html`<td>${landingBadge(landing)}</td>` : ''}
      <td>${row.runs}${row.failed > 0 ? html` <span class="bad">(${row.failed} failed)</span>` : ''}</td>
      <td class="msg">${row.lastFailure ? html`${formatTime(row.lastFailure.at)} ${row.lastFailure.kind}/${row.lastFailure.code}: ${row.lastFailure.message}<br>${exportLink(row.lastFailure.jobId)}` : '-'}</td>
    </tr>`;
  });
  return html`<table>
    <tr><th>api</th><th>region</th><th>instance</th><th>name</th><th>last success age</th>
      <th>last success (UTC)</th>${withLanding ? html`<th>landing</th>` : ''}<th>runs (${DAYS} days)</th><th>last failure</th></tr>
    ${body}</table>`;
}

export function searchForm(search: string): SafeHtml {
  return html`<form method="get" action="/instances" role="search">
    <input type="search" name="q" value="${search}" placeholder="instance number, name, api, region, file" aria-label="Search instances">
    <button type="submit">Search</button></form>`;
}

export function coverageSection(
  result: CoverageResult,
  view: { overview: boolean; search: string },
): SafeHtml {
  const more = result.matched - result.rows.length;
  const summary = view.overview
    ? html`<p class="muted">Least recently exported first. <a href="/instances">All instances</a></p>`
    : html`<p class="muted">${result.matched} instance(s), ${result.stale} stale${more > 0 ? `; the first ${result.rows.length} shown` : ''}.</p>`;
  return html`<section class="card" id="coverage">
  <h2>Coverage per instance</h2>
  ${searchForm(view.search)}
  ${summary}
  ${coverageTable(result.rows)}
</section>`;
}
