/** JSON with unique keys: what `bulk` and the HTTP service read. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DuplicateKeyError,
  findDuplicateKey,
  formatJsonPath,
  parseStrictJson,
} from '../../producer/strict-json.ts';

describe('parseStrictJson', () => {
  it('refuses a repeated key, naming it and where it is', () => {
    const cases: [string, (string | number)[]][] = [
      ['{"api":"vredis","instanceNo":"1","api":"vcache"}', ['api']],
      ['{"meta":{"a":1,"b":{"a":2},"a":3}}', ['meta', 'a']],
      ['[{"x":1},{"x":1},{"y":[1,{"z":1,"z":2}]}]', [2, 'y', 1, 'z']],
      ['{"a\\u0070i":1,"api":2}', ['api']],
      ['{"s":"a\\"b,{\\"s\\":1}","t":{},"s":1}', ['s']],
      ['[{}, "k", {"k":1}, {"k":{}, "k":[]}]', [3, 'k']],
    ];
    for (const [text, path] of cases) {
      expect(findDuplicateKey(text), text).toEqual(path);
      const error = (() => {
        try {
          parseStrictJson(text);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(DuplicateKeyError);
      expect((error as DuplicateKeyError).path).toEqual(path);
    }
    expect(formatJsonPath([2, 'y', 1, 'z'])).toBe('[2].y[1].z');
    expect(formatJsonPath(['meta', 'a'])).toBe('meta.a');
  });

  it('parses JSON without repeated keys exactly as JSON.parse, and throws its SyntaxError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
    expect(() => parseStrictJson('{"a":')).toThrow(SyntaxError);
  });

  it('finds a key repeated anywhere in generated JSON', () => {
    const object = fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 });
    fc.assert(
      fc.property(object, fc.jsonValue(), (value, extra) => {
        const [key] = Object.keys(value);
        const text = JSON.stringify({ outer: [value] });
        // The same key once more, at the end of the inner object.
        const doubled = `${text.slice(0, -3)},${JSON.stringify(key)}:${JSON.stringify(extra ?? null)}}]}`;
        expect(findDuplicateKey(doubled)).toEqual(['outer', 0, key]);
      }),
      { numRuns: 300 },
    );
  });
});
