/**
 * A first look at a request's `meta` before zod walks it. zod validates JSON recursively, so
 * meta nested a few thousand levels deep (10 KiB of `[[[…]]]` in one bulk row or one Redis job)
 * overflows the stack, and even 2,000 levels (4 KiB) do on a cold, unoptimized stack; a cycle (a
 * library caller's object) never ends. This walk is iterative, refuses nesting deeper than
 * `maxDepth`, and stops as soon as the JSON text would be longer than `maxBytes`, so it costs at
 * most `maxBytes` steps; a cycle is stopped by the depth limit. What passes, zod then checks
 * exactly.
 *
 * It also refuses a key named `__proto__` at any depth: zod drops such a key without a word
 * (assigning it would replace the object's prototype), so the data would silently change.
 */

/** A problem with meta, as a field issue of the contract. */
export interface MetaProblem {
  field: string;
  message: string;
}

export interface MetaLimits {
  /** The most bytes of JSON text. */
  maxBytes: number;
  /** The most levels of objects and arrays, meta itself being level 1. */
  maxDepth: number;
}

/**
 * The first problem found with `meta`, or undefined when it is within the depth limit and, as
 * far as a lower bound of its JSON text tells, within the size limit. Values that are not
 * objects are left to the schema.
 */
export function checkMetaBounds(meta: unknown, limits: MetaLimits): MetaProblem | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const { maxBytes, maxDepth } = limits;
  const tooBig = { field: 'meta', message: `must serialize to at most ${maxBytes} bytes of JSON` };
  const tooDeep = {
    field: 'meta',
    message: `must not nest objects and arrays more than ${maxDepth} levels deep`,
  };
  const stack: Array<{ value: unknown; path: string; depth: number }> = [
    { value: meta, path: 'meta', depth: 1 },
  ];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      // Each UTF-16 unit is at least one byte of UTF-8 (or of an escape), plus the quotes.
      bytes += value.length + 2;
    } else if (value === null || typeof value !== 'object') {
      bytes += 1;
    } else if (depth > maxDepth) {
      return tooDeep;
    } else if (Array.isArray(value)) {
      // "[" + elements with commas between + "]"
      bytes += 1 + Math.max(1, value.length);
      if (bytes > maxBytes) return tooBig;
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], path: `${path}.${i}`, depth: depth + 1 });
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
        stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
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
