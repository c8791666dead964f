import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../producer/bulk/csv-header.ts';
import { exportRequestSchema } from '../../shared/contract.ts';
import { bad, ok, readAll } from './bulk-helpers.ts';

const HEADER = 'api,instanceNo,fileName,bucketName';
const BUCKET_MESSAGE =
  'must be 3 to 63 characters of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit';

describe('readBulk csv: good rows', () => {
  it('maps columns in any order, applies defaults for empty cells and parses meta', async () => {
    const csv = [
      'bucketName,api,instanceNo,fileName,backupTypeMode,regionCode,meta',
      'redis-backup,vredis,1234511,20240702,MANUAL,KR,"{""ticket"":""OPS-12""}"',
      'other-bucket,vcache,42,backup.rdb,,,',
      '',
    ].join('\n');
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [
        ok(2, { backupTypeMode: 'MANUAL', regionCode: 'KR', meta: { ticket: 'OPS-12' } }),
        ok(3, {
          api: 'vcache',
          instanceNo: '42',
          fileName: 'backup.rdb',
          bucketName: 'other-bucket',
        }),
      ],
    });
  });

  it('trims cells and header names, inside quotes too', async () => {
    const csv = ` api , instanceNo ,fileName,bucketName\n vredis ,"  1234511 ", 20240702 ,redis-backup`;
    expect(await readAll(csv, 'csv')).toEqual({ rows: [ok(2)] });
  });

  it('reads quoted cells with commas and line ends; a row keeps the line it starts on', async () => {
    const csv = [
      `${HEADER},meta`,
      'vredis,1,a,redis-backup,"{',
      '""note"": ""x, y""',
      '}"',
      'vredis,2,"b",redis-backup,',
      'vredis,3,c,Bad_Bucket,',
    ].join('\n');
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [
        ok(2, { instanceNo: '1', fileName: 'a', meta: { note: 'x, y' } }),
        ok(5, { instanceNo: '2', fileName: 'b' }),
        { line: 6, ok: false, issues: [{ field: 'bucketName', message: BUCKET_MESSAGE }] },
      ],
    });
  });

  it('skips a UTF-8 BOM, CRLF line ends, blank lines and rows of empty cells', async () => {
    const csv = `\ufeff\r\n${HEADER}\r\nvredis,1234511,20240702,redis-backup\r\n\r\n  \r\n,,,\r\nvcache,7,x,redis-backup\r\n`;
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [ok(3), ok(7, { api: 'vcache', instanceNo: '7', fileName: 'x' })],
    });
  });

  it('gives no rows for a header alone', async () => {
    expect(await readAll(`${HEADER}\n`, 'csv')).toEqual({ rows: [] });
  });

  it('offers exactly the contract fields as columns', () => {
    expect([...CSV_COLUMNS].sort()).toEqual(Object.keys(exportRequestSchema.shape).sort());
  });
});

describe('readBulk csv: header errors stop reading', () => {
  const cases: [string, string, number, string][] = [
    [
      'an unknown column',
      'api,instanceNo,fileName,bucket',
      1,
      'unknown column "bucket" in the CSV header; the columns are api, instanceNo, fileName, bucketName, backupTypeMode, regionCode, meta',
    ],
    [
      'a near miss',
      'api,instanceno,fileName,bucketName',
      1,
      'unknown column "instanceno" in the CSV header (did you mean "instanceNo"?)',
    ],
    [
      'a duplicate column',
      'api,instanceNo,fileName,bucketName,api',
      1,
      'column "api" appears twice in the CSV header',
    ],
    [
      'missing required columns',
      'api,instanceNo,regionCode',
      1,
      'the CSV header lacks the required columns fileName, bucketName',
    ],
    [
      'a missing required column',
      '\n\napi,instanceNo,fileName',
      3,
      'the CSV header lacks the required column bucketName',
    ],
    [
      'an empty column name',
      'api,,fileName,bucketName',
      1,
      'column 2 of the CSV header has no name',
    ],
    [
      'an unclosed quote',
      'api,"instanceNo,fileName,bucketName\nvredis,1,a,b',
      1,
      'a quoted cell in the CSV header is never closed, so the rest of the input was read as part of it',
    ],
    [
      'broken quoting',
      'api,ins"tanceNo,fileName,bucketName',
      1,
      'unreadable CSV header: a double quote appears inside an unquoted cell; quote the whole cell and double the quotes inside it ("a ""b"" c")',
    ],
  ];
  it.each(cases)('%s', async (_, csv, line, reason) => {
    expect(await readAll(`${csv}\nvredis,1,a,redis-backup\n`, 'csv')).toEqual({
      rows: [],
      error: { line, reason },
    });
  });

  it.each(['', '\n\n', '\ufeff', ' \r\n'])('needs a header: %j', async (csv) => {
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [],
      error: {
        line: 1,
        reason:
          'the CSV input is empty; it needs a header row naming its columns, e.g. api,instanceNo,fileName,bucketName',
      },
    });
  });
});

describe('readBulk csv: row errors name line and field, and reading goes on', () => {
  it('reports a wrong number of cells', async () => {
    const csv = `${HEADER}\nvredis,1,a,redis-backup,extra\nvredis,1,a\nvredis,1234511,20240702,redis-backup`;
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [
        bad(2, 'has 5 cells, but the header (line 1) has 4 columns'),
        bad(3, 'has 3 cells, but the header (line 1) has 4 columns'),
        ok(4),
      ],
    });
  });

  it('reports invalid and missing fields by name', async () => {
    const csv = `${HEADER},regionCode\nvredis,,20240702,redis-backup,kr\n`;
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [
        {
          line: 2,
          ok: false,
          issues: [
            { field: 'instanceNo', message: 'is required' },
            {
              field: 'regionCode',
              message: 'must be an NCP region code such as KR, SGN, JPN, USWN, DEN or FKR',
            },
          ],
        },
      ],
    });
  });

  it('reports a meta cell that is not JSON, with the other issues', async () => {
    const csv = `${HEADER},meta\nvredis,1234511,20240702,BAD,{ticket: 1}\nvredis,1234511,20240702,redis-backup,[1]\n`;
    const { rows } = await readAll(csv, 'csv');
    expect(rows[0]).toEqual({
      line: 2,
      ok: false,
      issues: [
        { field: 'bucketName', message: BUCKET_MESSAGE },
        {
          field: 'meta',
          message: 'must be a JSON object such as {"ticket":"OPS-12"}; this cell is not valid JSON',
        },
      ],
    });
    expect(rows[1]).toMatchObject({ line: 3, ok: false, issues: [{ field: 'meta' }] });
    expect(rows).toHaveLength(2);
  });

  it('reports broken quoting in one row only', async () => {
    const csv = `${HEADER}\nvredis,1,a"b,redis-backup\nvredis,1,"a"b,redis-backup\nvredis,1234511,20240702,redis-backup\n`;
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [
        bad(
          2,
          'a double quote appears inside an unquoted cell; quote the whole cell and double the quotes inside it ("a ""b"" c")',
        ),
        bad(
          3,
          'a quoted cell is followed by more text before the next comma; double the quotes inside a quoted cell',
        ),
        ok(4),
      ],
    });
  });

  it('refuses the input at a quoted cell left open to its end, naming the row that opens it', async () => {
    const csv = `${HEADER}\nvredis,1234511,20240702,redis-backup\nvredis,1,"a,redis-backup\nvredis,2,b,redis-backup\n`;
    expect(await readAll(csv, 'csv')).toEqual({
      rows: [ok(2)],
      error: {
        line: 3,
        reason:
          'a quoted cell in this row is never closed, so the rest of the input was read as part of it',
      },
    });
  });
});
