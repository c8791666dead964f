/**
 * Property tests of the export request contract at every door it guards (library, bulk rows,
 * HTTP bodies, job data in Redis): arbitrary values, hostile strings and keys in every field, meta
 * too deep, too wide or cyclic never make `parseExportRequest` throw, and every bad field is
 * named on one line. What it lets through: fuzz-query.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExportRequest } from '../../shared/contract.ts';
import { mixedRequest, nastyString, normalized, validRequest } from './fuzz-arbitraries.ts';

const FIELDS = [
  'api',
  'instanceNo',
  'fileName',
  'bucketName',
  'backupTypeMode',
  'regionCode',
  'meta',
] as const;

/** An oracle written apart from the zod schema: is this field's value acceptable? */
const ACCEPTS: Record<Exclude<(typeof FIELDS)[number], 'meta'>, (value: unknown) => boolean> = {
  api: (v) => v === 'vredis' || v === 'vcache',
  instanceNo: (v) => typeof v === 'string' && /^[0-9]{1,20}$/.test(v),
  fileName: (v) => typeof v === 'string' && v.length <= 255 && /^[\w-][\w.-]*$/.test(v),
  bucketName: (v) =>
    typeof v === 'string' &&
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) &&
    !v.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(v),
  backupTypeMode: (v) => v === undefined || v === 'SYSTEM' || v === 'MANUAL',
  regionCode: (v) => v === undefined || (typeof v === 'string' && /^[A-Z]{2,8}$/.test(v)),
};
const REQUIRED = new Set(['api', 'instanceNo', 'fileName', 'bucketName']);

/** The top-level fields an issue list names (unknown keys come joined by ", "). */
function namedFields(issues: readonly { field: string; message: string }[]): Set<string> {
  return new Set(
    issues.flatMap(({ field, message }) =>
      // Only an unknown-field issue joins names; other fields are paths (meta keys may hold
      // ", " or ".", so split nothing but the first segment off).
      message.startsWith('unknown field') ? field.split(', ') : [field.split('.')[0]!],
    ),
  );
}

/** Keys anyone could put in job data: at the top, and in meta with values zod refuses. */
const hostileKeys = fc.oneof(
  fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.record({
    api: fc.constant('vredis'),
    instanceNo: fc.constant('1'),
    fileName: fc.constant('f'),
    bucketName: fc.constant('abc'),
    meta: fc.dictionary(nastyString, fc.constantFrom(undefined, Number.NaN, 1), { maxKeys: 3 }),
  }),
);

describe('parseExportRequest, fuzzed', () => {
  it('never throws on any value, and every issue is a named one-line message', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mixedRequest, hostileKeys), (data) => {
        const result = parseExportRequest(data);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          // Field names come from the data; shown escaped, they print on one line.
          expect(issue.field).toMatch(/^[^\p{Cc}]*$/u);
          expect(issue.message).toMatch(/^[^\p{Cc}]+$/u);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('names exactly the fields that are bad, and only those, for hostile values', () => {
    fc.assert(
      fc.property(mixedRequest, (data) => {
        const result = parseExportRequest(data);
        const expected = new Set<string>();
        for (const [field, accepts] of Object.entries(ACCEPTS)) {
          const value = Object.hasOwn(data, field) ? data[field] : undefined;
          if (value === undefined ? REQUIRED.has(field) : !accepts(value)) expected.add(field);
        }
        for (const key of Object.keys(data)) {
          if (!(FIELDS as readonly string[]).includes(key)) expected.add(key);
        }
        const named = result.ok ? new Set<string>() : namedFields(result.issues);
        // meta is judged by the schema alone (any JSON object within 4 KiB): ignore it here.
        named.delete('meta');
        expect(named).toEqual(expected);
      }),
      { numRuns: 600 },
    );
  });

  it('judges meta nested deep, cyclic, wide or with __proto__ keys by its limits, naming meta', () => {
    const base = { api: 'vredis', instanceNo: '1', fileName: 'f', bucketName: 'abc' };
    // Shapes as numbers, built inside the property (so a counterexample prints): JSON text as a
    // bulk row or a Redis job would carry it, [[[…]]], {"a":{"a":…1}}, {"0":0,…}, a __proto__
    // key some levels down; or a cycle, as only a library caller can make.
    const shape = fc.oneof(
      fc.tuple(
        fc.constantFrom('array', 'object'),
        // At the depth limit and one level over; and one level over the size limit.
        fc.oneof(fc.constantFrom(31, 32, 33, 682, 683, 2046), fc.integer({ min: 1, max: 60_000 })),
      ),
      fc.tuple(fc.constant('wide'), fc.integer({ min: 1, max: 30_000 })),
      fc.tuple(fc.constantFrom('proto', 'cycle'), fc.integer({ min: 0, max: 5 })),
    );
    const build = (kind: string, n: number) => {
      if (kind === 'cycle') {
        const root: Record<string, unknown> = {};
        let node = root;
        for (let i = 0; i < n; i++) node = node.a = {};
        node.self = root;
        return {
          meta: root as unknown,
          bytes: Number.POSITIVE_INFINITY,
          depth: Number.POSITIVE_INFINITY,
          proto: false,
        };
      }
      const text = {
        array: () => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`,
        object: () => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
        wide: () => `{${Array.from({ length: n }, (_, i) => `"${i}":0`).join(',')}}`,
        proto: () => `${'{"a":'.repeat(n)}{"__proto__":{"x":1}}${'}'.repeat(n)}`,
      }[kind as 'array']();
      // Levels of objects and arrays, meta itself being the first.
      const depth = { array: n + 1, object: n, wide: 1, proto: n + 2 }[kind as 'array'];
      return {
        meta: JSON.parse(text) as unknown,
        bytes: text.length,
        depth,
        proto: kind === 'proto',
      };
    };
    fc.assert(
      fc.property(shape, ([kind, n]) => {
        const { meta, bytes, depth, proto } = build(kind, n);
        const result = parseExportRequest({ ...base, meta });
        if (bytes <= 4096 && depth <= 32 && !proto) {
          expect(result.ok).toBe(true);
          return;
        }
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.issues).toHaveLength(1);
        expect(result.issues[0]!.field).toMatch(/^meta(\.|$)/);
        expect(result.issues[0]!.message).toBe(
          proto
            ? 'a key named "__proto__" is not allowed'
            : depth > 32
              ? 'must not nest objects and arrays more than 32 levels deep'
              : 'must serialize to at most 4096 bytes of JSON',
        );
      }),
      { numRuns: 150 },
    );
  });

  it('never throws for objects whose properties throw when read', () => {
    const throwing = Object.defineProperty({ api: 'vredis' }, 'fileName', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const data of [throwing, revoked.proxy, { meta: throwing }]) {
      const result = parseExportRequest(data);
      expect(result.ok).toBe(false);
    }
  });

  it('gives back a valid request unchanged, with the SYSTEM default', () => {
    fc.assert(
      fc.property(validRequest, (input) => {
        expect(parseExportRequest(structuredClone(input))).toEqual({
          ok: true,
          value: normalized(input),
        });
      }),
      { numRuns: 300 },
    );
  });
});
