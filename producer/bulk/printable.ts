/**
 * Text taken from a bulk file (a column name, a JSON key, a parser's quote of a row) goes into
 * messages that `bulk` prints as `file:line: field: message`. Made printable, it stays on one line
 * and carries nothing a terminal acts on: control characters are escaped as JSON escapes them
 * (`\n`, `\u001b`), and it is cut at `max` characters.
 */
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export const PRINTABLE_MAX = 300;

export function printable(text: string, max = PRINTABLE_MAX): string {
  const escaped = text.replace(
    /\p{Cc}/gu,
    (char) => ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
