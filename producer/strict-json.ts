/**
 * JSON as the producer reads it from users (`bulk` files, HTTP bodies, a CSV `meta` cell):
 * `JSON.parse`, except that an object naming the same key twice is refused. `JSON.parse` keeps
 * the last value without a word, so `{"api":"vredis",...,"api":"vcache"}` would export the other
 * product's backup.
 */

import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-bytes.ts';

/** Where a value sits: object keys and array indexes from the top, e.g. `[37, 'meta', 'x']`. */
export type JsonPath = (string | number)[];

/** A key that appears twice in one JSON object. */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  readonly code = 'ERR_JSON_DUPLICATE_KEY';
  /** The path of the repeated key itself (its last element is the key). */
  readonly path: JsonPath;
  readonly key: string;

  constructor(path: JsonPath) {
    const key = String(path.at(-1));
    super(`key ${JSON.stringify(key)} appears twice in the same object`);
    this.path = path;
    this.key = key;
  }
}

/**
 * Parses `text` as `JSON.parse` does (throwing its `SyntaxError` for text that is not JSON), and
 * throws a {@link DuplicateKeyError} naming the first key that appears twice in one object.
 */
export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const duplicate = findDuplicateKey(text);
  if (duplicate) throw new DuplicateKeyError(duplicate);
  return value;
}

/** Dotted form of a path for messages: `meta.ticket`, with `[n]` for array items. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

type Frame = { keys: Set<string>; key: string } | { index: number };

/**
 * The path of the first key that repeats one already seen in the same object, in text that
 * `JSON.parse` accepted. One pass: strings are skipped with `indexOf`, and only the structure
 * (`{`, `[`, `,`, closers) is followed; a key with escapes is decoded to compare it.
 */
export function findDuplicateKey(text: string): JsonPath | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (expectKey && top && 'keys' in top) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) return [...pathOf(stack), key];
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (code === OPEN_BRACE) {
      stack.push({ keys: new Set(), key: '' });
      expectKey = true;
    } else if (code === OPEN_BRACKET) {
      stack.push({ index: 0 });
      expectKey = false;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      stack.pop();
      expectKey = false;
    } else if (code === COMMA) {
      const top = stack.at(-1);
      if (top && 'index' in top) top.index++;
      else expectKey = true;
    }
    i++;
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length; // unreachable for text JSON.parse accepted
}

/** The path of the value being read: the current key of each object, index of each array. */
function pathOf(stack: readonly Frame[]): JsonPath {
  // The innermost frame is the object holding the duplicate; its own key is not part of it.
  return stack.slice(0, -1).map((frame) => ('keys' in frame ? frame.key : frame.index));
}
