import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseDiscoveryRequest } from '../../shared/discovery-contract.ts';

const schema = (name: string) =>
  new Ajv2020({ strict: false, validateFormats: false }).compile(
    JSON.parse(readFileSync(new URL(`../../shared/schema/${name}`, import.meta.url), 'utf8')),
  );

const request = {
  api: 'vcache',
  bucketName: 'cache-backup',
  regionCode: 'KR',
  since: '36h',
  instanceNos: ['2345821'],
  nameFilter: 'orders-*',
  schedule: 'nightly',
};

const outcome = {
  jobId: 'repeat:nightly:1795715300000',
  request: { ...request, backupTypeMode: 'SYSTEM', dryRun: false },
  status: 'partial',
  dryRun: false,
  instancesSeen: 3,
  instancesMatched: 2,
  filesChosen: 1,
  exportsEnqueued: 1,
  exportsDuplicate: 0,
  instances: [
    {
      instanceNo: '2345821',
      name: 'orders-valkey',
      regionCode: 'KR',
      backupsListed: 1,
      files: [
        {
          fileName: '20240702',
          backupTime: '2024-07-01T18:01:30.000Z',
          jobId: 'vcache~KR~2345821~SYSTEM~20240702~cache-backup',
          result: 'added',
        },
      ],
    },
    { instanceNo: '2345832', name: '', regionCode: null, backupsListed: null, files: [] },
  ],
  errors: [
    { instanceNo: '2345832', kind: 'server', code: '500', message: 'down', retryable: true },
  ],
  attempts: 1,
  enqueuedAt: '2026-11-26T00:00:00.000Z',
  startedAt: '2026-11-26T00:00:01.000Z',
  finishedAt: '2026-11-26T00:00:02.000Z',
};

describe('discovery contract', () => {
  it('publishes a request schema that matches the zod one', () => {
    const validate = schema('discovery-request.schema.json');
    expect(validate(request)).toBe(true);
    expect(parseDiscoveryRequest(request).ok).toBe(true);
    for (const bad of [
      { ...request, api: 'redis' },
      { ...request, since: 'yesterday' },
      { ...request, since: '0h' },
      { ...request, instanceNos: [] },
      { ...request, instanceNos: ['12a'] },
      { ...request, schedule: 'a:b' },
      { ...request, nameFilter: '' },
      { ...request, dryRun: 'yes' },
      { ...request, extra: 1 },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(parseDiscoveryRequest(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('names each bad field, with defaults applied to good requests', () => {
    const parsed = parseDiscoveryRequest({ api: 'vredis', bucketName: 'cache-backup' });
    expect(parsed).toEqual({
      ok: true,
      value: {
        api: 'vredis',
        bucketName: 'cache-backup',
        backupTypeMode: 'SYSTEM',
        dryRun: false,
        fresh: false,
      },
    });
    const bad = parseDiscoveryRequest({ api: 'vredis', instanceNos: ['1', 'x'], since: 5 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.map((issue) => issue.field)).toEqual([
        'bucketName',
        'since',
        'instanceNos.1',
      ]);
      expect(bad.issues[0]!.message).toBe('is required');
    }
  });

  it('publishes an outcome schema that accepts what workers write', () => {
    const validate = schema('discovery-outcome.schema.json');
    expect(validate(outcome)).toBe(true);
    expect(validate({ ...outcome, status: 'done' })).toBe(false);
    expect(validate({ ...outcome, errors: [{ ...outcome.errors[0], instanceNo: 5 }] })).toBe(false);
    const file = outcome.instances[0]!.files[0]!;
    const instance = { ...outcome.instances[0]!, files: [{ ...file, result: 'maybe' }] };
    expect(validate({ ...outcome, instances: [instance] })).toBe(false);
  });
});
