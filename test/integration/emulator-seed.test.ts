import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CREDENTIALS,
  generateSeed,
  loadSeed,
  parseSeed,
  SeedError,
  startEmulator,
} from '../emulator/index.ts';
import { call, exportTarget } from './emulator-client.ts';

const EXAMPLE = new URL('../emulator/seed.example.json', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-seed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('seed', () => {
  it('ships an example with both families and fake credentials', async () => {
    const seed = await loadSeed(EXAMPLE);
    expect(seed.credentials).toEqual([DEFAULT_CREDENTIALS]);
    expect(DEFAULT_CREDENTIALS).toEqual({
      accessKey: 'EMULATOR-ACCESS-KEY',
      secretKey: 'emulator-secret-key',
    });
    expect(new Set(seed.instances.map((i) => i.api))).toEqual(new Set(['vredis', 'vcache']));
    expect(seed.buckets.length).toBeGreaterThanOrEqual(2);
  });

  it('says which file cannot be read or parsed', async () => {
    const missing = join(dir, 'missing.json');
    await expect(loadSeed(missing)).rejects.toThrow(`cannot read seed file ${missing}: ENOENT`);
    const broken = await file('broken.json', '{"regions": [');
    await expect(loadSeed(broken)).rejects.toThrow(
      new RegExp(`^seed file ${broken} is not valid JSON: `),
    );
    await expect(loadSeed(broken)).rejects.toBeInstanceOf(SeedError);
  });

  it('lists every shape problem with its path', async () => {
    const path = await file(
      'shape.json',
      JSON.stringify({
        credentials: [],
        regions: ['KR'],
        buckets: ['b'],
        instances: [
          {
            api: 'vredis',
            instanceNo: '12a',
            regionCode: 'KR',
            name: 'x',
            backups: [{ fileName: 'f', type: 'DAILY', startTime: '', endTime: '', backupSize: 1 }],
          },
        ],
        extra: true,
      }),
    );
    const error = await loadSeed(path).catch((err: Error) => err);
    expect(error).toBeInstanceOf(SeedError);
    expect((error as Error).message).toBe(
      [
        `seed file ${path} is invalid:`,
        '  - credentials: needs at least one key pair',
        '  - instances[0].instanceNo: must be 1 to 20 digits',
        '  - instances[0].backups[0].type: Invalid option: expected one of "SYSTEM"|"MANUAL"',
        '  - (root): Unrecognized key: "extra"',
      ].join('\n'),
    );
  });

  it('checks cross-references: known regions, nothing twice', () => {
    const backup = {
      fileName: 'f',
      type: 'SYSTEM',
      startTime: '',
      endTime: '',
      backupSize: 1,
    } as const;
    const instance = {
      api: 'vcache',
      instanceNo: '1',
      regionCode: 'KR',
      name: 'x',
      backups: [backup, backup],
    } as const;
    expect(() =>
      parseSeed({
        credentials: [DEFAULT_CREDENTIALS, DEFAULT_CREDENTIALS],
        regions: ['KR', 'KR'],
        buckets: ['b'],
        instances: [instance, { ...instance, regionCode: 'JPN', backups: [] }],
      }),
    ).toThrow(
      [
        'seed is invalid:',
        '  - credentials: duplicate access key "EMULATOR-ACCESS-KEY"',
        '  - regions: duplicate region "KR"',
        '  - instances: duplicate instance "vcache 1"',
        '  - instances[0].backups: duplicate backup "SYSTEM f"',
        `  - instances[1].regionCode: "JPN" is not one of the seed's regions (KR, KR)`,
      ].join('\n'),
    );
  });
});

describe('generateSeed', () => {
  it('makes large deterministic seeds across families and regions', () => {
    const seed = generateSeed({ instances: 2000, regions: ['KR', 'SGN'] });
    expect(seed).toEqual(generateSeed({ instances: 2000, regions: ['KR', 'SGN'] }));
    expect(seed.instances).toHaveLength(2000);
    expect(seed.instances[0]).toEqual({
      api: 'vredis',
      instanceNo: '1000001',
      regionCode: 'KR',
      name: 'cache-1000001',
      backups: [
        {
          fileName: '20240702',
          type: 'SYSTEM',
          startTime: '2024-07-02T03:00:00.000Z',
          endTime: '2024-07-02T03:01:30.000Z',
          backupSize: 1048576,
        },
        {
          fileName: '20240701',
          type: 'SYSTEM',
          startTime: '2024-07-01T03:00:00.000Z',
          endTime: '2024-07-01T03:01:30.000Z',
          backupSize: 1048576,
        },
        {
          fileName: 'manual-1000001-1',
          type: 'MANUAL',
          startTime: '2024-07-02T04:00:00.000Z',
          endTime: '2024-07-02T04:01:30.000Z',
          backupSize: 1048576,
        },
      ],
    });
    expect(seed.instances[1999]).toMatchObject({
      api: 'vcache',
      instanceNo: '1002000',
      regionCode: 'SGN',
    });
    expect(seed.buckets).toEqual(['cache-backup', 'cache-backup-archive']);
    expect(seed.credentials).toEqual([DEFAULT_CREDENTIALS]);
    expect(() => generateSeed({ instances: -1 })).toThrow(SeedError);
  });

  it('serves a generated seed', async () => {
    const emulator = await startEmulator({
      seed: generateSeed({ instances: 1000, systemBackups: 1, manualBackups: 0 }),
    });
    try {
      const target = exportTarget('vcache', {
        fileName: '20240702',
        bucketName: 'cache-backup-archive',
        cloudCacheInstanceNo: '1000500',
        backupTypeMode: 'SYSTEM',
      });
      const res = await call(emulator.url, target, DEFAULT_CREDENTIALS);
      expect(res.status).toBe(200);
      expect(emulator.exports()).toMatchObject([
        { api: 'vcache', instanceNo: '1000500', regionCode: 'KR' },
      ]);
    } finally {
      await emulator.close();
    }
  });
});
