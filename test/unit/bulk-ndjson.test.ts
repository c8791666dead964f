import { describe, expect, it } from 'vitest';
import { bad, ok, readAll } from './bulk-helpers.ts';

const ROW =
  '{"api":"vredis","instanceNo":"1234511","fileName":"20240702","bucketName":"redis-backup"}';

describe('readBulk ndjson', () => {
  it('reads one object per line, skipping blank lines, with or without a final line end', async () => {
    const ndjson = `${ROW}\n\n   \n  {"api":"vcache","instanceNo":"9","fileName":"f","bucketName":"redis-backup","regionCode":"SGN","meta":{"a":[1,{"b":2}]}}  \n${ROW}`;
    expect(await readAll(ndjson, 'ndjson')).toEqual({
      rows: [
        ok(1),
        ok(4, {
          api: 'vcache',
          instanceNo: '9',
          fileName: 'f',
          regionCode: 'SGN',
          meta: { a: [1, { b: 2 }] },
        }),
        ok(5),
      ],
    });
  });

  it('reads a BOM and CRLF line ends', async () => {
    expect(await readAll(`\ufeff${ROW}\r\n\r\n${ROW}\r\n`, 'ndjson')).toEqual({
      rows: [ok(1), ok(3)],
    });
  });

  it('reports bad lines as row errors and goes on', async () => {
    const ndjson = [
      ROW,
      '{"api":"vredis",',
      '[1]',
      '"x"',
      ROW.replace('redis-backup', 'x'),
      ROW,
    ].join('\n');
    const { rows, error } = await readAll(ndjson, 'ndjson');
    expect(error).toBeUndefined();
    expect(rows).toEqual([
      ok(1),
      {
        line: 2,
        ok: false,
        issues: [{ field: '', message: expect.stringMatching(/^not valid JSON: /) }],
      },
      bad(3, 'must be a JSON object (one export request), not an array'),
      bad(4, 'must be a JSON object (one export request), not a string'),
      {
        line: 5,
        ok: false,
        issues: [
          {
            field: 'bucketName',
            message:
              'must be 3 to 63 characters of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
          },
        ],
      },
      ok(6),
    ]);
  });

  it('gives no rows for empty input', async () => {
    expect(await readAll('', 'ndjson')).toEqual({ rows: [] });
    expect(await readAll('\n \n', 'ndjson')).toEqual({ rows: [] });
  });
});
