/**
 * Where an export landed, as far as the record tells: an outcome (or a report row) may carry a
 * `landing` (or `landed`) value once landing checks exist, with a state such as `pending`,
 * `landed`, `not-landed` or `not-checked`. Records without one show nothing, so the page works
 * with and without landing checks. Read as unknown data: every value is escaped when shown.
 */
import { isRecord } from '../../../shared/json.ts';
import { html, type SafeHtml } from './html.ts';

export interface LandingView {
  state: string;
  /** The other facts it carries (object key, size, time, ...), as text. */
  details: [string, string][];
}

/** The landing of a record, if it carries one. */
export function landingOf(record: unknown): LandingView | undefined {
  if (!isRecord(record)) return undefined;
  const value = record.landing ?? record.landed;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') {
    return { state: String(value), details: [] };
  }
  if (!isRecord(value)) return undefined;
  const state = typeof value.state === 'string' ? value.state : 'unknown';
  const details = Object.entries(value)
    .filter(([key]) => key !== 'state')
    .map(([key, v]): [string, string] => [key, typeof v === 'string' ? v : JSON.stringify(v)]);
  return { state, details };
}

const TONES: Record<string, string> = {
  landed: 'ok',
  true: 'ok',
  'not-landed': 'bad',
  false: 'bad',
  pending: 'warn',
};

/** The state, coloured: `landed` green, `not-landed` red, `pending` amber. */
export function landingBadge(landing: LandingView | undefined): SafeHtml | string {
  if (!landing) return '';
  return html`<span class="${TONES[landing.state] ?? 'muted'}">${landing.state}</span>`;
}
