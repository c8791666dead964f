/**
 * HTML built from templates that escape every value: `html\`<td>${name}</td>\`` escapes
 * `name`, unless it is itself built by `html` (or the result of {@link joinHtml}). Everything
 * that comes from data (instance names, meta, NCP's messages, job ids) goes through here, so a
 * value cannot open a tag or leave an attribute.
 */

/** Markup already escaped; only `html` and `joinHtml` make one. */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** The text with every character that means something in HTML (and attributes) escaped. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

/** A value as it goes into markup: escaped text, or a list of either; null/undefined/false: nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The tagged template: literal parts as written, every value escaped. */
export function html(parts: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = parts[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (parts[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Pieces of markup one after another. */
export function joinHtml(pieces: readonly HtmlValue[]): SafeHtml {
  return new SafeHtml(pieces.map(render).join(''));
}

/** A path with each segment percent-encoded: `/exports/${id}` for an id holding `/` or `?`. */
export function pathTo(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}
