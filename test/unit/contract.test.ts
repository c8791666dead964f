import { describe, expect, it } from 'vitest';
import {
  assertExportRequest,
  ContractError,
  exportJobId,
  parseExportRequest,
} from '../../shared/contract.ts';
import { EXAMPLE_REQUEST } from '../helpers/export-requests.ts';

const valid = { ...EXAMPLE_REQUEST, meta: { ticket: 'OPS-12' } };

function issuesOf(data: unknown) {
  const result = parseExportRequest(data);
  if (result.ok) throw new Error('expected a contract violation');
  return result.issues;
}

describe('export request contract', () => {
  it('accepts the documented example and applies the SYSTEM default', () => {
    expect(parseExportRequest(valid)).toEqual({ ok: true, value: valid });
    const { backupTypeMode: _, ...withoutType } = valid;
    const parsed = parseExportRequest(withoutType);
    expect(parsed.ok && parsed.value.backupTypeMode).toBe('SYSTEM');
  });

  it('names every missing field', () => {
    expect(issuesOf({})).toEqual([
      { field: 'api', message: 'is required' },
      { field: 'instanceNo', message: 'is required' },
      { field: 'fileName', message: 'is required' },
      { field: 'bucketName', message: 'is required' },
    ]);
  });

  it('rejects unknown fields by name', () => {
    expect(issuesOf({ ...valid, region: 'KR' })).toEqual([
      { field: 'region', message: 'unknown field, not part of the contract' },
    ]);
  });

  it.each([
    ['instanceNo', '12a4'],
    ['instanceNo', 1234511],
    ['instanceNo', ''],
    ['fileName', 'a&b=c'],
    ['fileName', 'x?y'],
    ['fileName', '../etc'],
    ['fileName', 'dir/file'],
    ['fileName', 'line\nbreak'],
    ['fileName', '.hidden'],
    ['fileName', ''],
    ['fileName', 'x'.repeat(256)],
    ['bucketName', 'Upper'],
    ['bucketName', 'ab'],
    ['bucketName', 'a'.repeat(64)],
    ['bucketName', '-leading'],
    ['bucketName', 'two..dots'],
    ['bucketName', '192.168.1.10'],
    ['bucketName', 'b&x=1'],
    ['backupTypeMode', 'system'],
    ['regionCode', 'kr'],
    ['regionCode', 'KR&x=1'],
    ['api', 'redis'],
    ['meta', 'not an object'],
    ['meta', [1, 2]],
  ])('rejects %s = %j, naming the field', (field, value) => {
    const issues = issuesOf({ ...valid, [field]: value });
    expect(issues.map((issue) => issue.field)).toEqual([field]);
  });

  it('caps meta at 4 KiB of JSON', () => {
    expect(parseExportRequest({ ...valid, meta: { note: 'x'.repeat(4000) } }).ok).toBe(true);
    expect(issuesOf({ ...valid, meta: { note: 'x'.repeat(4100) } })).toEqual([
      { field: 'meta', message: 'must serialize to at most 4096 bytes of JSON' },
    ]);
  });

  it('throws a ContractError listing every issue', () => {
    expect(() => assertExportRequest({ ...valid, instanceNo: 'x', bucketName: 'B' })).toThrow(
      ContractError,
    );
    try {
      assertExportRequest({ ...valid, instanceNo: 'x', bucketName: 'B' });
    } catch (error) {
      expect((error as ContractError).message).toMatch(/^instanceNo: .*; bucketName: /);
    }
  });
});

describe('exportJobId', () => {
  const request = assertExportRequest(valid);

  it('is readable and ignores meta', () => {
    expect(exportJobId(request)).toBe('vredis~KR~1234511~SYSTEM~20240702~redis-backup');
    expect(exportJobId({ ...request, meta: { other: true } })).toBe(exportJobId(request));
  });

  it('differs when any identifying field differs', () => {
    const variants = [
      { api: 'vcache' as const },
      { regionCode: 'SGN' },
      { instanceNo: '1234512' },
      { backupTypeMode: 'MANUAL' as const },
      { fileName: '20240703' },
      { bucketName: 'other-bucket' },
    ];
    const ids = new Set(variants.map((change) => exportJobId({ ...request, ...change })));
    expect(ids.size).toBe(variants.length);
    expect(ids.has(exportJobId(request))).toBe(false);
  });

  it('cannot be confused by dots moving between file and bucket', () => {
    const a = exportJobId({ ...request, fileName: 'a.b', bucketName: 'cde' });
    const b = exportJobId({ ...request, fileName: 'a', bucketName: 'b.cde' });
    expect(a).not.toBe(b);
  });

  it('marks a missing region as default', () => {
    const { regionCode: _, ...rest } = request;
    expect(exportJobId(rest)).toBe('vredis~default~1234511~SYSTEM~20240702~redis-backup');
  });
});
