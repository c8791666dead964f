/**
 * The emulator's manual backups, over HTTP with the real client: the create actions of both
 * families, their checks, the delayed appearance in the manual backup detail list, the fault
 * that keeps a backup from ever appearing, and one Redis instance listed by both families.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiFamily } from '../../shared/contract.ts';
import { NcpClient, type NcpError } from '../../shared/ncp/index.ts';
import { readList } from '../../worker/discovery/ncp-lists.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  startEmulator,
} from '../emulator/index.ts';
import { waitFor } from '../helpers/redis.ts';

// 1000001 (vredis, listed by vcache too), 1000002 (vredis), 1000003 (vcache, Valkey).
const seed = generateSeed({ instances: 3, apis: ['vredis', 'vredis', 'vcache'] });
seed.instances[0]!.listedByVcache = true;
seed.instances[2]!.engine = 'Valkey';
const [shared, redisOnly, valkey] = seed.instances.map((i) => i.instanceNo) as [
  string,
  string,
  string,
];

describe('emulator manual backups', () => {
  let emulator: Emulator;
  let client: NcpClient;
  const param = (api: ApiFamily) =>
    api === 'vredis' ? 'cloudRedisInstanceNo' : 'cloudCacheInstanceNo';
  const noun = (api: ApiFamily) => (api === 'vredis' ? 'Redis' : 'Cache');
  const create = (api: ApiFamily, instanceNo: string) =>
    client.call(api, `createCloud${noun(api)}ManualBackup`, { [param(api)]: instanceNo });
  const manualFiles = async (api: ApiFamily, instanceNo: string) => {
    const action = `getCloud${noun(api)}ManualBackupDetailList`;
    const body = (await client.call(api, action, { [param(api)]: instanceNo })).body;
    return readList(body, `cloud${noun(api)}BackupDetailList`).map((item) => item.fileName);
  };
  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => 'accepted',
      (error: NcpError) => `${error.httpStatus} ${error.code}`,
    );

  beforeAll(async () => {
    emulator = await startEmulator({ seed, manualBackupDelayMs: 300 });
    client = new NcpClient({
      apiUrl: emulator.url,
      ...DEFAULT_CREDENTIALS,
      responseFormat: 'xml',
      timeoutMs: 2000,
      maxResponseBytes: 1024 * 1024,
    });
  });

  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  it('creates a backup whose file the manual list shows after the delay', async () => {
    const answer = await create('vredis', redisOnly);
    expect(answer).toMatchObject({ returnCode: '0' });
    expect(answer.body).not.toHaveProperty('fileName');
    const [made] = emulator.manualBackups();
    expect(made).toMatchObject({ api: 'vredis', instanceNo: redisOnly, never: false });
    await waitFor('the new file', async () =>
      (await manualFiles('vredis', redisOnly)).includes(made!.fileName),
    );
    expect(await manualFiles('vredis', redisOnly)).toEqual([
      `manual-${redisOnly}-1`,
      made!.fileName,
    ]);
    expect(emulator.stats()).toMatchObject({ manualBackupsCreated: 1, manualBackupCreateCalls: 1 });
    // Made: the file can be exported as a MANUAL backup.
    const exported = await client.call('vredis', 'exportBackupToObjectStorage', {
      cloudRedisInstanceNo: redisOnly,
      fileName: made!.fileName,
      bucketName: 'cache-backup',
      backupTypeMode: 'MANUAL',
    });
    expect(exported.returnCode).toBe('0');
  });

  it('checks the instance and its family like the other actions', async () => {
    expect(await refusal(create('vredis', valkey))).toBe('400 5001017');
    expect(await refusal(create('vcache', redisOnly))).toBe('400 5001017');
    expect(await refusal(create('vcache', '999'))).toBe('400 5001017');
    expect(
      await refusal(client.call('vcache', 'createCloudCacheManualBackup', { regionCode: 'KR' })),
    ).toBe('400 1007001');
    // A backup still being made: a second create is refused.
    emulator.configure({ manualBackupDelayMs: 60_000 });
    expect(await refusal(create('vcache', valkey))).toBe('accepted');
    expect(await refusal(create('vcache', valkey))).toBe('400 1007014');
    emulator.configure({ manualBackupDelayMs: 300 });
  });

  it('lists a Redis instance under both families, one backup set for both', async () => {
    const body = (await client.call('vcache', 'getCloudCacheInstanceList', {})).body;
    const items = readList(body, 'cloudCacheInstanceList');
    expect(items.map((i) => [String(i.cloudCacheInstanceNo), i.cloudCacheDbmsCode])).toEqual([
      [shared, 'Redis'],
      [valkey, 'Valkey'],
    ]);
    await create('vcache', shared);
    const made = emulator.manualBackups().at(-1)!;
    await waitFor('the new file under vredis', async () =>
      (await manualFiles('vredis', shared)).includes(made.fileName),
    );
    expect(await manualFiles('vcache', shared)).toEqual(await manualFiles('vredis', shared));
  });

  it('never shows a backup the never fault hit', async () => {
    emulator.configure({ manualBackupNeverRate: 1 });
    await create('vredis', shared);
    emulator.configure({ manualBackupNeverRate: 0 });
    const lost = emulator.manualBackups().at(-1)!;
    expect(lost.never).toBe(true);
    // Once its time has passed it is no longer in progress, and still not listed.
    await waitFor(
      'room for a new create',
      async () => (await refusal(create('vredis', shared))) === 'accepted',
    );
    expect(await manualFiles('vredis', shared)).not.toContain(lost.fileName);
  });
});
