import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMA_FILES } from '../../shared/schema/json-schema.ts';
import { EXAMPLE_REQUEST } from '../helpers/export-requests.ts';

const names = Object.keys(SCHEMA_FILES) as (keyof typeof SCHEMA_FILES)[];
const read = (name: string) =>
  readFileSync(new URL(`../../shared/schema/${name}`, import.meta.url), 'utf8');

describe('published JSON Schema', () => {
  it.each(names)('%s is current (run `npm run schema` after changing the contract)', (name) => {
    expect(read(name)).toBe(renderSchema(name));
  });

  it('accepts the documented request and rejects what the contract rejects', () => {
    const validate = new Ajv2020({ strict: false }).compile(
      JSON.parse(read('export-request.schema.json')),
    );
    const example = { ...EXAMPLE_REQUEST, meta: { ticket: 'OPS-12' } };
    expect(validate(example)).toBe(true);
    expect(validate({ ...example, backupTypeMode: undefined })).toBe(true);
    for (const bad of [
      { ...example, instanceNo: '12a' },
      { ...example, fileName: 'a&b' },
      { ...example, bucketName: 'Upper' },
      { ...example, api: 'redis' },
      { ...example, extra: true },
      { api: 'vredis' },
    ]) {
      expect(validate(bad)).toBe(false);
    }
  });

  it('describes the outcome the worker writes', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      JSON.parse(read('outcome.schema.json')),
    );
    const outcome = {
      jobId: 'vredis~KR~1234511~SYSTEM~20240702~redis-backup',
      request: {
        api: 'vredis',
        instanceNo: '1234511',
        fileName: '20240702',
        bucketName: 'redis-backup',
        backupTypeMode: 'SYSTEM',
      },
      status: 'failed',
      attempts: 2,
      httpStatus: 500,
      requestId: null,
      returnCode: null,
      returnMessage: null,
      error: { kind: 'server', code: '1000', message: 'try again later', retryable: true },
      enqueuedAt: '2026-11-26T00:00:00.000Z',
      startedAt: '2026-11-26T00:00:01.000Z',
      finishedAt: '2026-11-26T00:00:02.000Z',
      meta: {},
    };
    expect(validate(outcome)).toBe(true);
    expect(validate({ ...outcome, error: { ...outcome.error, kind: 'weird' } })).toBe(false);
    expect(validate({ ...outcome, attempts: 0 })).toBe(false);
  });
});
