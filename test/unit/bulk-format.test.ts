import { describe, expect, it } from 'vitest';
import { BulkFormatError, detectFormat } from '../../producer/bulk/format.ts';

describe('detectFormat', () => {
  it.each([
    ['exports.csv', 'csv'],
    ['dir.v2/EXPORTS.CSV', 'csv'],
    ['exports.json', 'json'],
    ['exports.ndjson', 'ndjson'],
    ['exports.jsonl', 'ndjson'],
  ])('tells %s by its extension: %s', (file, format) => {
    expect(detectFormat(file)).toBe(format);
  });

  it.each([
    ['csv', 'csv'],
    ['JSON', 'json'],
    ['ndjson', 'ndjson'],
    [' jsonl ', 'ndjson'],
  ])('takes --format %j over the extension', (explicit, format) => {
    expect(detectFormat('exports.txt', explicit)).toBe(format);
    expect(detectFormat('-', explicit)).toBe(format);
  });

  it('needs --format for stdin', () => {
    expect(() => detectFormat('-')).toThrow(
      new BulkFormatError('reading from stdin (-) needs --format csv, json or ndjson'),
    );
  });

  it('names the file whose extension tells nothing', () => {
    for (const file of ['exports.txt', 'exports', 'exports.csv.gz', '.csv']) {
      expect(() => detectFormat(file)).toThrow(
        `cannot tell the format of "${file}" from its name: use a .csv, .json, .ndjson or .jsonl file, or pass --format csv, json or ndjson`,
      );
    }
  });

  it('rejects an unknown --format, even one named like an object property', () => {
    for (const explicit of ['xml', 'constructor', '']) {
      expect(() => detectFormat('exports.csv', explicit)).toThrow(
        `unknown --format "${explicit}": use csv, json or ndjson`,
      );
    }
    expect(() => detectFormat('exports.csv', 'xml')).toThrow(BulkFormatError);
    expect(new BulkFormatError('x').code).toBe('ERR_BULK_FORMAT');
  });
});
