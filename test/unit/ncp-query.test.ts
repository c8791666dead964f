import { describe, expect, it } from 'vitest';
import { NcpError } from '../../shared/ncp/errors.ts';
import { buildPathWithQuery, buildQuery, encodeRfc3986 } from '../../shared/ncp/query.ts';

describe('encodeRfc3986', () => {
  it.each([
    ['a b', 'a%20b'],
    ['a+b', 'a%2Bb'],
    ['a&b=c', 'a%26b%3Dc'],
    ['~-._', '~-._'],
    ['*', '%2A'],
    ["!'()", '%21%27%28%29'],
    ['/?#[]@:', '%2F%3F%23%5B%5D%40%3A'],
    ['100%', '100%25'],
    ['é', '%C3%A9'],
    ['한글', '%ED%95%9C%EA%B8%80'],
    ['😀', '%F0%9F%98%80'],
    ['AZaz09', 'AZaz09'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(encodeRfc3986(input)).toBe(expected);
  });
});

describe('buildQuery', () => {
  it('keeps the order given and skips undefined values', () => {
    expect(buildQuery({ z: '1', a: undefined, m: '2', b: '' })).toBe('z=1&m=2&b=');
  });

  it('accepts entries, keeping their order and repeats', () => {
    expect(
      buildQuery([
        ['b', '1'],
        ['a', '2'],
        ['b', '3'],
      ]),
    ).toBe('b=1&a=2&b=3');
  });

  it('encodes names and values with the same rules', () => {
    expect(
      buildQuery({
        'cloudRedisInstanceNoList.1': '123',
        'a b': 'x y+z&w=v~*',
        unicode: 'Valkey ✓',
      }),
    ).toBe('cloudRedisInstanceNoList.1=123&a%20b=x%20y%2Bz%26w%3Dv~%2A&unicode=Valkey%20%E2%9C%93');
  });

  it('gives an empty string for no parameters', () => {
    expect(buildQuery({})).toBe('');
    expect(buildQuery({ a: undefined })).toBe('');
  });

  it.each([
    ['newline', 'a\nb', 'U+000A at 1'],
    ['NUL', '\u0000', 'U+0000 at 0'],
    ['carriage return', 'x\r', 'U+000D at 1'],
    ['DEL', 'ab\u007f', 'U+007F at 2'],
    ['C1 control', '\u0085', 'U+0085 at 0'],
  ])('rejects a %s in a value', (_label, value, where) => {
    const attempt = () => buildQuery({ fileName: value });
    expect(attempt).toThrow(NcpError);
    expect(attempt).toThrow(
      `query parameter "fileName": value contains control character ${where}`,
    );
    try {
      attempt();
    } catch (error) {
      expect((error as NcpError).kind).toBe('invalid');
      expect((error as NcpError).code).toBe('INVALID_PARAMETER');
    }
  });

  it('rejects control characters in names, empty names and lone surrogates', () => {
    expect(() => buildQuery({ 'a\tb': 'x' })).toThrow(
      'query parameter "a\\tb": name contains control character U+0009 at 1',
    );
    expect(() => buildQuery({ '': 'x' })).toThrow('query parameter name must not be empty');
    expect(() => buildQuery({ a: '\ud800' })).toThrow(
      'query parameter "a": value contains a lone surrogate (not valid Unicode)',
    );
  });

  it('rejects a value that is not a string at run time', () => {
    const params = { a: 42 } as unknown as Record<string, string>;
    expect(() => buildQuery(params)).toThrow('query parameter "a": value must be a string');
  });
});

describe('buildPathWithQuery', () => {
  it('joins path and query with a single ?', () => {
    expect(
      buildPathWithQuery('/vcache/v2/exportBackupToObjectStorage', {
        regionCode: 'KR',
        fileName: '20240702',
        bucketName: 'cache-backup',
        cloudCacheInstanceNo: '1234821',
        backupTypeMode: 'SYSTEM',
        responseFormatType: 'json',
      }),
    ).toBe(
      '/vcache/v2/exportBackupToObjectStorage?regionCode=KR&fileName=20240702' +
        '&bucketName=cache-backup&cloudCacheInstanceNo=1234821&backupTypeMode=SYSTEM' +
        '&responseFormatType=json',
    );
  });

  it('leaves out the ? when no parameter remains', () => {
    expect(buildPathWithQuery('/vredis/v2/getRegionList', { regionCode: undefined })).toBe(
      '/vredis/v2/getRegionList',
    );
  });

  it('produces only characters a URL parser leaves alone', () => {
    const target = buildPathWithQuery('/vcache/v2/x', {
      a: ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}~é',
    });
    expect(target).toMatch(/^[A-Za-z0-9\-._~%/?=&]+$/);
    const url = new URL(`https://example.invalid${target}`);
    expect(`${url.pathname}${url.search}`).toBe(target);
    expect(url.searchParams.get('a')).toBe(' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}~é');
  });

  it.each(['vcache/v2/x', '/vcache//x', '/vcache/v2/x?y=1', '/a b', '/../x/..', ''])(
    'rejects the path %j',
    (path) => {
      expect(() => buildPathWithQuery(path, {})).toThrow(/is not a plain \/-separated path/);
    },
  );
});
