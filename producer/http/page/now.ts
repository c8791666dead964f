/**
 * The page's "now" and "runs" sections: what `status` and `/metrics` read (queue counts, calls
 * in the last second, the limit in force, throttling, workers), through the same functions, and
 * the recent discovery and schedule runs with the schedules themselves.
 */
import type { Queue } from 'bullmq';
import type { DiscoveryOutcome } from '../../../shared/discovery-contract.ts';
import type { ExportProducer } from '../../producer.ts';
import { listSchedules, type Schedule } from '../../schedules.ts';
import { readStatus, type StatusSnapshot } from '../../status.ts';
import { html, pathTo, type SafeHtml } from './html.ts';
import { formatTime } from './layout.ts';

const DISCOVERY_STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
const RECENT_RUNS = 10;

export interface NowData {
  status: StatusSnapshot;
  discovery: Record<string, number>;
  schedules: Schedule[];
  runs: DiscoveryOutcome[];
}

export async function readNow(producer: ExportProducer, discoveryQueue: Queue): Promise<NowData> {
  const [status, discovery, schedules, runs] = await Promise.all([
    readStatus(producer),
    discoveryQueue.getJobCounts(...DISCOVERY_STATES),
    listSchedules(discoveryQueue),
    producer.ledger.recentDiscoveryOutcomes(RECENT_RUNS),
  ]);
  return { status, discovery, schedules, runs };
}

function stat(label: string, value: string | number, tone?: 'bad' | 'warn' | 'ok'): SafeHtml {
  return html`<div class="stat"><div class="label">${label}</div><div class="value ${tone ?? ''}">${value}</div></div>`;
}

export function nowSection(data: NowData): SafeHtml {
  const { exports, throttle, workers } = data.status;
  const paused = throttle.pausedForMs > 0;
  const limit =
    throttle.limitInForce === undefined
      ? 'as configured'
      : `${throttle.limitInForce}/s (learned from 429s)`;
  const auth = throttle.authPause
    ? html`<div class="notice error">NCP refused access key <code>${throttle.authPause.accessKeyId}</code>
        repeatedly (code ${throttle.authPause.code}) since ${formatTime(throttle.authPause.since)}:
        every worker pauses exporting. ${throttle.authPause.message}</div>`
    : '';
  return html`<section class="card" id="now">
  <h2>Now <span class="muted">(${formatTime(data.status.at)} UTC)</span></h2>
  ${auth}
  <div class="grid">
    ${stat('waiting', exports.waiting + exports.prioritized)}
    ${stat('active', exports.active)}
    ${stat('delayed (retry backoff)', exports.delayed)}
    ${stat('completed', exports.completed, 'ok')}
    ${stat('failed', exports.failed, exports.failed > 0 ? 'bad' : undefined)}
    ${stat('workers', workers, workers === 0 ? 'bad' : 'ok')}
    ${stat('NCP calls, last second', throttle.callsLastSecond)}
    ${stat('rate limit in force', limit, throttle.limitInForce === undefined ? undefined : 'warn')}
    ${stat('throttling', paused ? `paused ${Math.ceil(throttle.pausedForMs / 1000)} s` : throttle.strikes > 0 ? `${throttle.strikes} strike(s)` : 'none', paused ? 'warn' : undefined)}
    ${stat('discoveries waiting / active', `${(data.discovery.waiting ?? 0) + (data.discovery.delayed ?? 0)} / ${data.discovery.active ?? 0}`)}
    ${stat('outcome records', data.status.outcomes)}
  </div>
</section>`;
}

/** `nightly` for a schedule's tick `repeat:nightly:1796190325000`; undefined otherwise. */
export function scheduleOf(jobId: string): string | undefined {
  return /^repeat:(.+):\d+$/.exec(jobId)?.[1];
}

export function runsSection(data: NowData): SafeHtml {
  const tone = (status: string) =>
    status === 'succeeded' ? 'ok' : status === 'partial' ? 'warn' : 'bad';
  const rows = data.runs.map(
    (run) => html`<tr>
      <td>${formatTime(run.finishedAt)}</td>
      <td>${scheduleOf(run.jobId) ?? html`<span class="muted">by hand</span>`}</td>
      <td class="${tone(run.status)}">${run.status}${run.dryRun ? ' (dry run)' : ''}</td>
      <td>${run.instancesSeen} seen, ${run.instancesMatched} matched, ${run.filesChosen} files</td>
      <td>${run.exportsEnqueued} enqueued, ${run.exportsDuplicate} already queued</td>
      <td class="msg">${run.errors.map((e) => html`<div>${e.instanceNo ?? 'run'}: ${e.kind}/${e.code}: ${e.message}</div>`)}</td>
      <td class="mono">${run.jobId}</td>
    </tr>`,
  );
  const schedules = data.schedules.map(
    (s) => html`<tr><td>${s.name}</td><td class="mono">${s.cron}</td><td>${s.tz ?? '-'}</td>
      <td>${formatTime(s.next)}</td>
      <td>${s.request ? `${s.request.api} → ${s.request.bucketName}` : '?'}</td></tr>`,
  );
  return html`<section class="card" id="runs">
  <h2>Discovery and schedule runs</h2>
  ${
    rows.length === 0
      ? html`<p class="muted">No discovery run recorded.</p>`
      : html`<table>
    <tr><th>finished (UTC)</th><th>schedule</th><th>status</th><th>found</th><th>exports</th><th>problems</th><th>job id</th></tr>
    ${rows}</table>`
  }
  <h2>Schedules</h2>
  ${
    schedules.length === 0
      ? html`<p class="muted">No schedule.</p>`
      : html`<table>
    <tr><th>name</th><th>cron</th><th>time zone</th><th>next run (UTC)</th><th>discovers</th></tr>
    ${schedules}</table>`
  }
</section>`;
}

/** A job id linked to its story. */
export function exportLink(jobId: string): SafeHtml {
  return html`<a class="mono" href="${pathTo('exports', jobId)}">${jobId}</a>`;
}
