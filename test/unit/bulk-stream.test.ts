import { describe, expect, it } from 'vitest';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { type BulkRow, readBulk } from '../../producer/bulk/read.ts';
import { bad, chunks, ok, readAll } from './bulk-helpers.ts';

const ROW =
  '{"api":"vredis","instanceNo":"1234511","fileName":"20240702","bucketName":"redis-backup"}';
const KOREAN = { note: '백업 내보내기 🙂', quote: 'a "b", c' };
const HEADER = 'api,instanceNo,fileName,bucketName,meta';

/** One input per format with multi-byte characters, CRLF, quotes, errors and blank lines. */
const INPUTS: Record<BulkFormat, string> = {
  csv: `\ufeff${HEADER}\r\nvredis,1234511,20240702,redis-backup,"${JSON.stringify(KOREAN).replaceAll('"', '""')}"\r\n\r\nvredis,1,"multi\r\nline",redis-backup,\r\nvredis,1234511,20240702,redis-backup,\r\n`,
  json: `\ufeff[\r\n${JSON.stringify({ ...JSON.parse(ROW), meta: KOREAN })},\r\n\r\n"é",\r\n${ROW}\r\n]`,
  ndjson: `\ufeff${JSON.stringify({ ...JSON.parse(ROW), meta: KOREAN })}\r\n\r\n"é"\r\n${ROW}`,
};

describe('readBulk: chunk boundaries do not matter', () => {
  const NOT_OBJECT = 'must be a JSON object (one export request), not a string';
  const expected: Record<BulkFormat, BulkRow[]> = {
    csv: [
      ok(2, { meta: KOREAN }),
      {
        line: 4,
        ok: false,
        issues: [
          {
            field: 'fileName',
            message:
              'may contain only letters, digits, ".", "_" and "-", and must not start with "."',
          },
        ],
      },
      ok(6),
    ],
    json: [ok(2, { meta: KOREAN }), bad(4, NOT_OBJECT, 2), ok(5)],
    ndjson: [ok(1, { meta: KOREAN }), bad(3, NOT_OBJECT), ok(4)],
  };

  it.each(Object.keys(INPUTS) as BulkFormat[])(
    '%s in one chunk, 1-byte and 7-byte chunks',
    async (format) => {
      // 1-byte chunks split every multi-byte character (and the BOM, and every CRLF).
      for (const chunkSize of [undefined, 1, 7]) {
        expect(await readAll(INPUTS[format], format, { chunkSize })).toEqual({
          rows: expected[format],
        });
      }
    },
  );

  it('accepts string chunks', async () => {
    async function* strings() {
      yield `${ROW.slice(0, 10)}`;
      yield `${ROW.slice(10)}\n${ROW}`;
    }
    const rows = [];
    for await (const row of readBulk(strings(), 'ndjson')) rows.push(row);
    expect(rows).toEqual([ok(1), ok(2)]);
  });
});

describe('readBulk: invalid UTF-8 stops reading at its line', () => {
  const reason = 'input is not valid UTF-8; save the file as UTF-8';
  // "한" in EUC-KR (C7 D1) is not UTF-8: the usual way a Korean spreadsheet export goes wrong.
  const eucKr = (prefix: string, suffix: string) =>
    Buffer.concat([Buffer.from(prefix), Buffer.from([0xc7, 0xd1]), Buffer.from(suffix)]);
  const cases: [string, BulkFormat, Uint8Array, number][] = [
    ['csv', 'csv', eucKr(`${HEADER}\nvredis,1,a,redis-backup,\nvredis,1,"`, '",b,'), 3],
    ['json', 'json', eucKr(`[\n${ROW},\n\n{"meta": "`, '"}]'), 4],
    ['ndjson', 'ndjson', eucKr(`${ROW}\n`, '\n'), 2],
    ['a lone continuation byte', 'ndjson', Buffer.from([0x0a, 0x0a, 0x80]), 3],
    [
      'a character cut short by a line end',
      'ndjson',
      Buffer.from([0x0a, 0xe2, 0x82, 0x0a, 0x41]),
      2,
    ],
    ['a character cut short by the end', 'ndjson', Buffer.from([0x7b, 0x0a, 0xf0, 0x9f, 0x99]), 2],
  ];
  it.each(cases)('%s', async (_, format, input, line) => {
    for (const chunkSize of [1, 2, 3, undefined]) {
      const { error } = await readAll(input, format, { chunkSize });
      expect(error).toEqual({ line, reason });
    }
  });
});

describe('readBulk: the row size limit', () => {
  const max = 200;
  const long = 'x'.repeat(max);
  const OVER =
    'this line is longer than 200 bytes, the most one NDJSON line may have; is the input one JSON object per line? (a JSON array needs --format json)';

  it('refuses an NDJSON input with a line over the limit, exactly at the limit', async () => {
    const fits = JSON.stringify({ ...JSON.parse(ROW), meta: { n: '' } });
    const pad = 'y'.repeat(max - Buffer.byteLength(fits));
    const exact = fits.replace('"n":""', `"n":"${pad}"`);
    const over = exact.replace('"n":"', '"n":"y');
    expect(Buffer.byteLength(exact)).toBe(max);
    for (const chunkSize of [1, 64, undefined]) {
      const result = await readAll(`${exact}\r\n${over}\n${ROW}\n`, 'ndjson', {
        maxRowBytes: max,
        chunkSize,
      });
      expect(result).toEqual({
        rows: [ok(1, { meta: { n: pad } })],
        error: { line: 2, reason: OVER },
      });
    }
  });

  it('counts bytes, not characters', async () => {
    const row = `{"api":"vredis","instanceNo":"1","fileName":"f","bucketName":"redis-backup","meta":{"n":"${'한'.repeat(60)}"}}`;
    expect(row.length).toBeLessThan(max);
    expect(await readAll(row, 'ndjson', { maxRowBytes: max })).toEqual({
      rows: [],
      error: { line: 1, reason: OVER },
    });
  });

  it('makes a JSON element over the limit a row error', async () => {
    const json = `[\n{"meta": {"n": "${long}", "deep": [[{"]": "["}]]}},\n${ROW}\n]`;
    expect(await readAll(json, 'json', { maxRowBytes: max, chunkSize: 16 })).toEqual({
      rows: [bad(2, 'row is longer than 200 bytes', 1), ok(3)],
    });
  });

  it('makes a CSV row over the limit a row error, and a header over it a file error', async () => {
    const csv = `api,instanceNo,fileName,bucketName\nvredis,1,"${long}\n${long}",redis-backup\nvredis,1234511,20240702,redis-backup\n`;
    expect(await readAll(csv, 'csv', { maxRowBytes: max, chunkSize: 16 })).toEqual({
      rows: [
        bad(2, 'row is longer than 200 bytes (a quote that is never closed can cause this)'),
        ok(4),
      ],
    });
    expect(await readAll(`${long},api\n`, 'csv', { maxRowBytes: max })).toEqual({
      rows: [],
      error: { line: 1, reason: 'the CSV header is longer than 200 bytes' },
    });
  });

  it('defaults to 64 KiB and rejects a limit that is not a positive integer', async () => {
    const meta = { n: 'z'.repeat(64 * 1024) };
    const row = JSON.stringify({ ...JSON.parse(ROW), meta });
    expect(await readAll(`${ROW}\n${row}\n${ROW}`, 'ndjson')).toEqual({
      rows: [ok(1)],
      error: { line: 2, reason: expect.stringMatching(/^this line is longer than 65536 bytes/) },
    });
    expect(() => readBulk(chunks(ROW), 'ndjson', { maxRowBytes: 0 })).toThrow(RangeError);
    expect(() => readBulk(chunks(ROW), 'ndjson', { maxRowBytes: 1.5 })).toThrow(RangeError);
  });
});
