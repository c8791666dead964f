import { describe, expect, it } from 'vitest';
import { bad, ok, readAll } from './bulk-helpers.ts';

const ROW =
  '{"api":"vredis","instanceNo":"1234511","fileName":"20240702","bucketName":"redis-backup"}';

describe('readBulk json: good rows', () => {
  it('reads each element with the line it starts on, whitespace anywhere', async () => {
    const json = `\n  [\n${ROW},\n\n  {\n    "api": "vcache",\n    "instanceNo": "42",\n    "fileName": "x",\n    "bucketName": "redis-backup",\n    "backupTypeMode": "MANUAL"\n  }\t,${ROW}\r\n]\n\n`;
    expect(await readAll(json, 'json')).toEqual({
      rows: [
        ok(3),
        ok(5, { api: 'vcache', instanceNo: '42', fileName: 'x', backupTypeMode: 'MANUAL' }),
        ok(11),
      ],
    });
  });

  it('keeps nested arrays and objects in meta, with brackets and escapes inside strings', async () => {
    const meta = {
      tags: ['a', ['b]', '{c']],
      owner: { team: 'db "ops"\\', n: null },
      emoji: '한글 🙂',
    };
    const json = `[${JSON.stringify({ ...JSON.parse(ROW), meta })}]`;
    expect(await readAll(json, 'json')).toEqual({ rows: [ok(1, { meta })] });
  });

  it('gives no rows for an empty array', async () => {
    expect(await readAll(' [ \n ] ', 'json')).toEqual({ rows: [] });
  });
});

describe('readBulk json: row errors, and reading goes on', () => {
  it('reports elements that are not objects or not valid requests', async () => {
    const json = `[\n 3, "x", null, [1,\n2], true,\n {"api":"vredis","instanceNo":1234511,"fileName":"20240702","bucketName":"redis-backup","extra":1},\n${ROW}\n]`;
    expect(await readAll(json, 'json')).toEqual({
      rows: [
        bad(2, 'must be a JSON object (one export request), not a number', 1),
        bad(2, 'must be a JSON object (one export request), not a string', 2),
        bad(2, 'must be a JSON object (one export request), not null', 3),
        bad(2, 'must be a JSON object (one export request), not an array', 4),
        bad(3, 'must be a JSON object (one export request), not a boolean', 5),
        {
          line: 4,
          item: 6,
          ok: false,
          issues: [
            { field: 'instanceNo', message: 'must be a string of digits' },
            { field: 'extra', message: 'unknown field, not part of the contract' },
          ],
        },
        ok(5),
      ],
    });
  });

  it('reports an element that is not valid JSON by itself', async () => {
    const { rows, error } = await readAll(`[\n{"api": vredis},\n${ROW}]`, 'json');
    expect(error).toBeUndefined();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      line: 2,
      item: 1,
      ok: false,
      issues: [{ field: '', message: expect.stringMatching(/^not valid JSON: /) }],
    });
    expect(rows[1]).toEqual(ok(3));
  });
});

describe('readBulk json: one-line arrays and repeated keys', () => {
  it('names the item of each bad row in a one-line array (as jq -c writes it)', async () => {
    const good = JSON.parse(ROW);
    const items = Array.from({ length: 40 }, (_, i) =>
      i === 36 ? { ...good, bucketName: 'X' } : { ...good, instanceNo: String(1000 + i) },
    );
    const { rows } = await readAll(JSON.stringify(items), 'json');
    const bad = rows.filter((row) => !row.ok);
    expect(bad).toEqual([
      {
        line: 1,
        item: 37,
        ok: false,
        issues: [{ field: 'bucketName', message: expect.any(String) }],
      },
    ]);
    expect(rows).toHaveLength(40);
  });

  it('refuses a row that names a key twice, naming the key, and reads on', async () => {
    const twice =
      '{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","api":"vcache"}';
    const nested =
      '{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"abc","meta":{"t":1,"t":2}}';
    const message =
      'appears twice in the same object; JSON would keep only the last value, so remove one';
    expect(await readAll(`[${twice},\n${nested},\n${ROW}]`, 'json')).toEqual({
      rows: [
        { line: 1, item: 1, ok: false, issues: [{ field: 'api', message }] },
        { line: 2, item: 2, ok: false, issues: [{ field: 'meta.t', message }] },
        ok(3),
      ],
    });
    expect(await readAll(`${twice}\n${ROW}\n`, 'ndjson')).toEqual({
      rows: [{ line: 1, ok: false, issues: [{ field: 'api', message }] }, ok(2)],
    });
    const csv = 'api,instanceNo,fileName,bucketName,meta\nvredis,1,f,abc,"{""a"":1,""a"":2}"\n';
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [{ line: 2, ok: false, issues: [{ field: 'meta.a', message }] }],
    });
  });
});

describe('readBulk json: errors in the array itself stop reading', () => {
  const ARRAY = 'an array of export requests ([{...}, ...])';
  const cases: [string, string, number, string][] = [
    ['empty input', '', 1, `the JSON input is empty; expected ${ARRAY}`],
    ['blank input', ' \n\n', 1, `the JSON input is empty; expected ${ARRAY}`],
    [
      'a single object',
      `\n${ROW}`,
      2,
      `the JSON input must be ${ARRAY}, not a single object; for one object per line use --format ndjson`,
    ],
    ['a scalar', '"rows"', 1, `the JSON input must be ${ARRAY}; it starts with "\\""`],
    [
      'a missing comma',
      `[${ROW}\n${ROW}]`,
      2,
      'expected "," or "]" after the array element that starts on line 1, found "{"',
    ],
    ['a trailing comma', `[${ROW},\n]`, 2, 'expected an array element after ",", found "]"'],
    ['a leading comma', '[\n,1]', 2, 'expected an array element after "[", found ","'],
    ['a stray brace', '[}', 1, 'expected an array element after "[", found "}"'],
    [
      'a stray brace after an element',
      `[${ROW}}]`,
      1,
      'expected "," or "]" after the array element that starts on line 1, found "}"',
    ],
    [
      'content after the array',
      `[${ROW}]\n\n[]`,
      3,
      'unexpected "[" after the end of the JSON array',
    ],
    [
      'truncation inside an element',
      `[\n${ROW},\n{"api": "vredis",\n`,
      3,
      'the JSON input ends inside the array element that starts on this line (is the file truncated?)',
    ],
    [
      'truncation inside a string',
      `[${ROW},\n"abc`,
      2,
      'the JSON input ends inside the array element that starts on this line (is the file truncated?)',
    ],
    [
      'truncation between elements',
      `[\n${ROW},\n\n`,
      2,
      'the JSON input ends before the array is closed with "]" (is the file truncated?)',
    ],
    [
      'truncation after an element',
      `[\n${ROW}\n`,
      2,
      'the JSON input ends before the array is closed with "]" (is the file truncated?)',
    ],
  ];
  it.each(cases)('%s', async (_, json, line, reason) => {
    const { error } = await readAll(json, 'json');
    expect(error).toEqual({ line, reason });
  });

  it('yields the rows before the error', async () => {
    expect(await readAll(`[${ROW},\n${ROW}\n${ROW}]`, 'json')).toEqual({
      rows: [ok(1), ok(2)],
      error: {
        line: 3,
        reason: 'expected "," or "]" after the array element that starts on line 2, found "{"',
      },
    });
  });
});
