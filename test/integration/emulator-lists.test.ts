/**
 * The emulator's list actions, read by the real client and by discovery's list readers, in
 * both response formats: paging, instance filters, backup detail lists, manual lists, NCP's
 * time format, and vcache lists without `fileName`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiFamily } from '../../shared/contract.ts';
import { type NcpClient, NcpError } from '../../shared/ncp/index.ts';
import {
  type ListCall,
  listAllInstances,
  listBackups,
  readList,
} from '../../worker/discovery/ncp-lists.ts';
import { type Emulator, generateSeed, startEmulator } from '../emulator/index.ts';
import { productClient } from '../helpers/product-client.ts';

// 30 instances: families alternate, regions rotate, so each family has 5 in each region.
const seed = generateSeed({
  instances: 30,
  regions: ['KR', 'SGN', 'JPN'],
  vcacheFileNames: false,
});
const inRegion = (api: ApiFamily, region: string) =>
  seed.instances.filter((i) => i.api === api && i.regionCode === region).map((i) => i.instanceNo);

describe.each(['json', 'xml'] as const)('emulator list actions (%s)', (format) => {
  let emulator: Emulator;
  let client: NcpClient;
  const caller =
    (api: ApiFamily): ListCall =>
    async (action, params) =>
      (await client.call(api, action, params)).body;

  beforeAll(async () => {
    emulator = await startEmulator({ seed });
    client = productClient(emulator, { responseFormat: format, maxResponseBytes: 1024 * 1024 });
  });

  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it('pages an instance list from pageNo 0, with totalRows over all pages', async () => {
    const body = (
      await client.call('vredis', 'getCloudRedisInstanceList', {
        regionCode: 'KR',
        pageNo: '1',
        pageSize: '2',
      })
    ).body;
    expect(Number(body.totalRows)).toBe(inRegion('vredis', 'KR').length);
    const items = readList(body, 'cloudRedisInstanceList');
    expect(items.map((item) => String(item.cloudRedisInstanceNo))).toEqual(
      inRegion('vredis', 'KR').slice(2, 4),
    );
    expect(items[0]).toMatchObject({ regionCode: 'KR' });
    expect(String(items[0]!.cloudRedisServiceName)).toMatch(/^cache-\d+$/);
  });

  it('lists every instance of a family and region, page by page', async () => {
    for (const [api, region] of [
      ['vredis', 'KR'],
      ['vcache', 'SGN'],
    ] as const) {
      for (const pageSize of [1, 2, 3, 100]) {
        const listed = await listAllInstances(caller(api), api, { regionCode: region, pageSize });
        expect(listed.instances.map((i) => i.instanceNo)).toEqual(inRegion(api, region));
        expect(listed.unreadable).toBe(0);
      }
    }
  });

  it('asks NCP for named instances only', async () => {
    const wanted = inRegion('vcache', 'KR').slice(1, 3);
    const listed = await listAllInstances(caller('vcache'), 'vcache', {
      regionCode: 'KR',
      pageSize: 10,
      instanceNos: [...wanted, '999'],
    });
    expect(listed.instances.map((i) => i.instanceNo)).toEqual(wanted);
  });

  it('lists system and manual backups with times in NCP format', async () => {
    const instance = seed.instances.find((i) => i.api === 'vredis')!;
    const params = { regionCode: instance.regionCode, cloudRedisInstanceNo: instance.instanceNo };
    const raw = await client.call('vredis', 'getCloudRedisBackupDetailList', params);
    const first = readList(raw.body, 'cloudRedisBackupDetailList')[0]!;
    expect(first.startTime).toBe('2024-07-02T12:00:00+0900');
    expect(first.fileName).toBe('20240702');

    const call = caller('vredis');
    const options = {
      regionCode: instance.regionCode,
      instanceNo: instance.instanceNo,
      instanceParam: 'cloudRedisInstanceNo',
    };
    expect(await listBackups(call, 'vredis', { ...options, type: 'SYSTEM' })).toEqual([
      { fileName: '20240702', time: Date.parse('2024-07-02T03:01:30Z') },
      { fileName: '20240701', time: Date.parse('2024-07-01T03:01:30Z') },
    ]);
    expect(await listBackups(call, 'vredis', { ...options, type: 'MANUAL' })).toEqual([
      { fileName: `manual-${instance.instanceNo}-1`, time: Date.parse('2024-07-02T04:01:30Z') },
    ]);
  });

  it('leaves fileName out of vcache backup lists when the seed says so', async () => {
    const instance = seed.instances.find((i) => i.api === 'vcache')!;
    const backups = await listBackups(caller('vcache'), 'vcache', {
      regionCode: instance.regionCode,
      instanceNo: instance.instanceNo,
      instanceParam: 'cloudCacheInstanceNo',
      type: 'SYSTEM',
    });
    expect(backups).toHaveLength(2);
    expect(backups.every((b) => b.fileName === undefined && b.time !== undefined)).toBe(true);
  });

  it('refuses pageNo without pageSize, an unknown instance, and a region without it', async () => {
    const failure = (api: ApiFamily, action: string, params: Record<string, string | undefined>) =>
      client.call(api, action, params).then(
        () => undefined,
        (error: unknown) => error as NcpError,
      );
    const noSize = await failure('vredis', 'getCloudRedisInstanceList', { pageNo: '0' });
    expect(noSize).toBeInstanceOf(NcpError);
    expect(noSize).toMatchObject({ kind: 'invalid', code: '1007001', httpStatus: 400 });
    const krInstance = inRegion('vredis', 'KR')[0]!;
    for (const params of [
      { cloudRedisInstanceNo: '42' },
      { cloudRedisInstanceNo: krInstance, regionCode: 'SGN' },
    ]) {
      const error = await failure('vredis', 'getCloudRedisBackupDetailList', params);
      expect(error).toMatchObject({ kind: 'invalid', code: '5001017' });
    }
    const empty = await listAllInstances(caller('vredis'), 'vredis', {
      regionCode: 'KR',
      pageSize: 5,
      instanceNos: ['42'],
    });
    expect(empty.instances).toEqual([]);
  });
});
