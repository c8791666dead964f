import { RETRYABLE_KINDS } from '../../../shared/contract.ts';
import type { ExportProducer } from '../../producer.ts';
import { type ExportJobView, readExportJob } from '../job-view.ts';
import { html, pathTo, type SafeHtml } from './html.ts';
import { type LandingView, landingBadge, landingOf } from './landing.ts';
import { formatTime, layout } from './layout.ts';
import { exportLink } from './now.ts';

const RUN_SUFFIX = /~r\d+$/;
/** Runs of one export looked for after the first. */
const MAX_RUNS = 50;

export interface Story {
  job: ExportJobView;
  /** Every run of the same export that exists, first run first. */
  runs: string[];
  /** The error of each failed attempt BullMQ kept (first line of its stack), oldest first. */
  failedAttempts: string[];
}

export async function readStory(
  producer: ExportProducer,
  jobId: string,
): Promise<Story | undefined> {
  const job = await readExportJob(producer, jobId);
  if (!job) return undefined;
  const first = jobId.replace(RUN_SUFFIX, '');
  const candidates = [first, ...Array.from({ length: MAX_RUNS }, (_, i) => `${first}~r${i + 1}`)];
  const [existing, record] = await Promise.all([
    producer.existingIds(candidates, { records: true }),
    producer.exportJob(jobId),
  ]);
  const failedAttempts = (record?.stacktrace ?? []).map((stack) => stack.split('\n')[0] ?? '');
  return { job, runs: candidates.filter((id) => existing.has(id)), failedAttempts };
}

export interface StoryView {
  story: Story;
  csrf: string;
  signedIn: boolean;
  allowRetry: boolean;
  notice?: SafeHtml | undefined;
}

function facts(rows: [string, SafeHtml | string | number | null | undefined][]): SafeHtml {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v ?? '-'}</dd>`)}</dl>`;
}

/** The attempts that failed before the last, as BullMQ kept their errors. */
function attemptsSection(story: Story): SafeHtml | string {
  if (story.failedAttempts.length === 0) return '';
  const items = story.failedAttempts.map((line) => html`<li class="msg">${line}</li>`);
  return html`<section class="card"><h2>Failed attempts</h2><ol>${items}</ol></section>`;
}

/** The landing row, for outcomes that carry one (landing checks). */
function landingFact(landing: LandingView): [string, SafeHtml] {
  const details = landing.details.map(([k, v]) => html`<span class="muted">${k}</span> ${v} `);
  return ['landing', html`${landingBadge(landing)} ${details}`];
}

function retryForm(view: StoryView): SafeHtml | string {
  const { job, runs } = view.story;
  const error = job.outcome?.error;
  if (job.outcome?.status !== 'failed' || !error) return '';
  if (runs[runs.length - 1] !== job.jobId)
    return html`<p class="muted">Re-run already: see the runs below.</p>`;
  if (!RETRYABLE_KINDS.has(error.kind)) {
    return html`<p class="muted">Not retryable (${error.kind}): fix the cause, then enqueue it anew.</p>`;
  }
  if (!view.allowRetry)
    return html`<p class="muted">Re-running from the page needs UI_ALLOW_RETRY=true.</p>`;
  return html`<form method="post" action="${pathTo('exports', job.jobId, 'retry')}">
    <input type="hidden" name="_csrf" value="${view.csrf}">
    <button class="primary" type="submit">Retry this export</button></form>`;
}

export function storyPage(view: StoryView): SafeHtml {
  const { job, runs } = view.story;
  const outcome = job.outcome;
  const request = (job.request ?? {}) as Record<string, unknown>;
  const landing = landingOf(outcome);
  const tone =
    outcome?.status === 'succeeded'
      ? 'ok'
      : job.state === 'failed' || outcome?.status === 'failed'
        ? 'bad'
        : 'warn';
  const outcomeFacts = outcome
    ? facts([
        ['status', html`<span class="${tone}">${outcome.status}</span>`],
        ['finished (UTC)', formatTime(outcome.finishedAt)],
        ['attempts used', outcome.attempts],
        ['HTTP status', outcome.httpStatus],
        ['NCP requestId', outcome.requestId],
        [
          'returnCode',
          outcome.returnCode === null
            ? null
            : `${outcome.returnCode} ${outcome.returnMessage ?? ''}`,
        ],
        [
          'error',
          outcome.error
            ? `${outcome.error.kind}/${outcome.error.code}${outcome.error.retryable ? ' (retryable)' : ''}`
            : null,
        ],
        ['message', outcome.error?.message],
        ...(landing ? [landingFact(landing)] : []),
        [
          'meta',
          Object.keys(outcome.meta).length > 0
            ? html`<code>${JSON.stringify(outcome.meta)}</code>`
            : null,
        ],
      ])
    : html`<p class="muted">No outcome yet: the export has not finished.</p>`;
  const body = html`${view.notice ?? ''}
<h1>Export <span class="mono">${job.jobId}</span></h1>
<section class="card"><h2>Request</h2>
${facts([
  ['api', String(request.api ?? '-')],
  ['region', String(request.regionCode ?? '-')],
  ['instance', String(request.instanceNo ?? '-')],
  ['file', `${String(request.fileName ?? '-')} (${String(request.backupTypeMode ?? '-')})`],
  ['bucket', String(request.bucketName ?? '-')],
])}</section>
<section class="card"><h2>Job</h2>
${facts([
  ['state', html`<span class="${tone}">${job.state}</span>`],
  ['attempts', `${job.attempts.made} of ${job.attempts.max}`],
  ['enqueued (UTC)', formatTime(job.enqueuedAt)],
  ['last attempt started (UTC)', formatTime(job.startedAt)],
  ['finished (UTC)', formatTime(job.finishedAt)],
  ['last error', job.lastError],
  [
    'internals',
    job.state === 'unknown'
      ? 'the job record has expired'
      : html`<a href="${pathTo('ui', 'queue', 'cache-export', job.jobId)}">this job in /ui</a>`,
  ],
])}</section>
${attemptsSection(view.story)}
<section class="card"><h2>Outcome</h2>${outcomeFacts}${retryForm(view)}</section>
<section class="card"><h2>Runs of this export</h2>
<ol>${runs.map((id) => html`<li>${id === job.jobId ? html`<strong class="mono">${id}</strong> (this run)` : exportLink(id)}</li>`)}</ol>
</section>`;
  return layout({ title: `Export ${job.jobId}`, csrf: view.csrf, signedIn: view.signedIn }, body);
}
