/**
 * A first look at a request's `meta` before zod walks it. zod validates JSON recursively, so
 * meta nested a few thousand levels deep (10 KiB of `[[[…]]]` in one bulk row or one Redis job)
 * overflows the stack, and a cycle (a library caller's object) never ends. This walk is
 * iterative and stops as soon as the JSON text would be longer than the limit, so it costs at
 * most `maxBytes` steps; a cycle, whose text never ends, is stopped the same way. What passes
 * is at most `maxBytes / 2` levels deep, and zod then checks the exact size.
 *
 * It also refuses a key named `__proto__` at any depth: zod drops such a key without a word
 * (assigning it would replace the object's prototype), so the data would silently change.
 */

/** A problem with meta, as a field issue of the contract. */
export interface MetaProblem {
  field: string;
  message: string;
}

/**
 * The first problem found with `meta`, or undefined when it is within `maxBytes` so far as a
 * lower bound of its JSON text tells. Values that are not objects are left to the schema.
 */
export function checkMetaBounds(meta: unknown, maxBytes: number): MetaProblem | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const tooBig = { field: 'meta', message: `must serialize to at most ${maxBytes} bytes of JSON` };
  const stack: Array<{ value: unknown; path: string }> = [{ value: meta, path: 'meta' }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      // Each UTF-16 unit is at least one byte of UTF-8 (or of an escape), plus the quotes.
      bytes += value.length + 2;
    } else if (value === null || typeof value !== 'object') {
      bytes += 1;
    } else if (Array.isArray(value)) {
      // "[" + elements with commas between + "]"
      bytes += 1 + Math.max(1, value.length);
      if (bytes > maxBytes) return tooBig;
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], path: `${path}.${i}` });
      }
    } else {
      const entries = Object.entries(value).filter(([, item]) => serialized(item));
      bytes += 1 + Math.max(1, entries.length);
      for (const [key, item] of entries.reverse()) {
        if (key === '__proto__') {
          return { field: `${path}.__proto__`, message: 'a key named "__proto__" is not allowed' };
        }
        // "key":
        bytes += key.length + 3;
        stack.push({ value: item, path: `${path}.${key}` });
      }
    }
    if (bytes > maxBytes) return tooBig;
  }
  return undefined;
}

/** Whether JSON.stringify keeps an object property with this value. */
function serialized(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
