import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, SERVICE_ERROR_CODES, startEmulator } from '../emulator/index.ts';
import { call, exportParams, exportTarget, query, TEST_SEED, xmlError } from './emulator-client.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: TEST_SEED });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

/** Sends a vredis export with `params` in JSON and returns the responseError. */
async function errorOf(params: Record<string, string>, api: 'vredis' | 'vcache' = 'vredis') {
  const res = await call(
    emulator.url,
    exportTarget(api, { ...params, responseFormatType: 'json' }),
  );
  expect(res.status).toBe(400);
  return JSON.parse(res.body).responseError;
}

const redis = exportParams('vredis');

describe('emulator: service errors for bad parameters', () => {
  it('names each missing required parameter', async () => {
    for (const name of ['fileName', 'bucketName', 'cloudRedisInstanceNo', 'backupTypeMode']) {
      const { [name]: _, ...rest } = redis;
      expect(await errorOf(rest)).toEqual({
        returnCode: '1007001',
        returnMessage: `Required parameter is missing or empty: ${name}`,
      });
    }
    expect((await errorOf({ ...redis, fileName: '' })).returnCode).toBe('1007001');
  });

  it('refuses unknown parameters, and the other family instance parameter with a hint', async () => {
    expect(await errorOf({ ...redis, pageNo: '0' })).toEqual({
      returnCode: '1007002',
      returnMessage: 'Unknown parameter: "pageNo"',
    });
    const { cloudRedisInstanceNo: _, ...rest } = redis;
    expect(await errorOf({ ...rest, cloudCacheInstanceNo: '1234511' })).toEqual({
      returnCode: '1007002',
      returnMessage:
        'Unknown parameter: "cloudCacheInstanceNo" (cloudCacheInstanceNo belongs to another API; /vredis/v2 takes cloudRedisInstanceNo)',
    });
    const cache = exportParams('vcache');
    const { cloudCacheInstanceNo: __, ...cacheRest } = cache;
    expect(
      (await errorOf({ ...cacheRest, cloudRedisInstanceNo: '2345821' }, 'vcache')).returnMessage,
    ).toBe(
      'Unknown parameter: "cloudRedisInstanceNo" (cloudRedisInstanceNo belongs to another API; /vcache/v2 takes cloudCacheInstanceNo)',
    );
  });

  it('refuses a parameter given twice', async () => {
    const res = await call(
      emulator.url,
      `${exportTarget('vredis', redis)}&fileName=20240701&responseFormatType=json`,
    );
    expect(JSON.parse(res.body).responseError).toEqual({
      returnCode: '1007003',
      returnMessage: 'Parameter given more than once: fileName',
    });
  });

  it('refuses bad backupTypeMode, regionCode and responseFormatType values', async () => {
    expect(await errorOf({ ...redis, backupTypeMode: 'system' })).toEqual({
      returnCode: '1007004',
      returnMessage: 'Invalid value for backupTypeMode: "system" (expected SYSTEM or MANUAL)',
    });
    expect(await errorOf({ ...redis, regionCode: 'XX' })).toEqual({
      returnCode: '1007010',
      returnMessage: 'Invalid regionCode: "XX" is not a region (KR, SGN)',
    });
    const res = await call(
      emulator.url,
      exportTarget('vredis', { ...redis, responseFormatType: 'yaml' }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      xmlError(
        '1007004',
        'Invalid value for responseFormatType: &quot;yaml&quot; (expected xml or json)',
      ),
    );
  });

  it('refuses unknown instances, including another family or region', async () => {
    const missing = { returnCode: '5001017' };
    expect(await errorOf({ ...redis, cloudRedisInstanceNo: '999' })).toEqual({
      ...missing,
      returnMessage: 'Instance not found: cloudRedisInstanceNo "999" does not exist in region KR',
    });
    expect(await errorOf({ ...redis, cloudRedisInstanceNo: '2345821' })).toMatchObject(missing); // a vcache one
    expect(await errorOf({ ...redis, regionCode: 'SGN' })).toMatchObject(missing);
  });

  it('refuses a backup the instance does not have, or has with the other type', async () => {
    expect(await errorOf({ ...redis, fileName: '20990101' })).toEqual({
      returnCode: '1007012',
      returnMessage:
        'Backup not found: fileName "20990101" is not a SYSTEM backup of cloudRedisInstanceNo 1234511',
    });
    expect(await errorOf({ ...redis, fileName: 'manual-1' })).toMatchObject({
      returnCode: '1007012',
    });
    expect(await errorOf({ ...redis, backupTypeMode: 'MANUAL' })).toMatchObject({
      returnCode: '1007012',
    });
  });

  it('refuses an unknown bucket', async () => {
    expect(await errorOf({ ...redis, bucketName: 'no-such-bucket' })).toEqual({
      returnCode: '1007013',
      returnMessage:
        'Bucket not found: bucketName "no-such-bucket" is not an Object Storage bucket of this account',
    });
  });

  it('escapes what it echoes in XML, and decodes + as a space', async () => {
    const res = await call(
      emulator.url,
      exportTarget('vredis', { ...redis, fileName: '<a href="x">&\'' }),
    );
    expect(res.body).toBe(
      xmlError(
        '1007012',
        'Backup not found: fileName &quot;&lt;a href=\\&quot;x\\&quot;&gt;&amp;&apos;&quot; is not a SYSTEM backup of cloudRedisInstanceNo 1234511',
      ),
    );
    const plus = await call(
      emulator.url,
      `/vredis/v2/exportBackupToObjectStorage?${query(redis).replace('20240702', '2024+07%2B02')}&responseFormatType=json`,
    );
    expect(JSON.parse(plus.body).responseError.returnMessage).toContain('fileName "2024 07+02"');
  });

  it('counts every service error as invalid', async () => {
    await errorOf({ ...redis, bucketName: 'nope' });
    await errorOf({ ...redis, extra: '1' });
    expect(emulator.stats()).toMatchObject({ requests: 2, invalid: 2, accepted: 0 });
  });

  it('refuses a body over 64 KiB with 413 and closes the connection', async () => {
    const res = await call(emulator.url, '/vredis/v2/exportBackupToObjectStorage', {
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      body: `fileName=${'x'.repeat(70_000)}`,
    });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({
      error: {
        errorCode: '430',
        message: 'Request Entity Too Large',
        details: 'The request body exceeds 65536 bytes',
      },
    });
  });

  it('publishes its codes', () => {
    expect(SERVICE_ERROR_CODES).toEqual({
      temporary: '1000',
      missingParameter: '1007001',
      unknownParameter: '1007002',
      duplicateParameter: '1007003',
      invalidParameterValue: '1007004',
      unsupportedContentType: '1007005',
      regionNotFound: '1007010',
      instanceNotFound: '5001017',
      backupNotFound: '1007012',
      bucketNotFound: '1007013',
      backupInProgress: '1007014',
    });
  });
});
