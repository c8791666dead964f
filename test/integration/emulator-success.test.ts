import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import {
  call,
  exportParams,
  exportTarget,
  query,
  TEST_SEED,
  xmlError,
  xmlSuccess,
} from './emulator-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let emulator: Emulator;
afterEach(async () => {
  await emulator?.close();
});

describe('emulator: accepted exports', () => {
  it.each(['vredis', 'vcache'] as const)(
    '%s answers NCP XML by default and records the export',
    async (api) => {
      emulator = await startEmulator({ seed: TEST_SEED });
      const before = Date.now();
      const res = await call(emulator.url, exportTarget(api, exportParams(api)));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml;charset=UTF-8');
      const [recorded] = emulator.exports();
      expect(recorded?.requestId).toMatch(UUID);
      expect(res.body).toBe(xmlSuccess(recorded!.requestId));
      expect(recorded).toEqual({
        api,
        regionCode: 'KR',
        instanceNo: api === 'vredis' ? '1234511' : '2345821',
        fileName: '20240702',
        bucketName: 'cache-backup',
        backupTypeMode: 'SYSTEM',
        requestId: recorded!.requestId,
        at: recorded!.at,
      });
      expect(recorded!.at).toBeGreaterThanOrEqual(before);
      expect(recorded!.at).toBeLessThanOrEqual(Date.now());
    },
  );

  it.each(['vredis', 'vcache'] as const)('%s answers JSON when asked', async (api) => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const res = await call(
      emulator.url,
      exportTarget(api, { ...exportParams(api), responseFormatType: 'json' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    const requestId = emulator.exports()[0]!.requestId;
    expect(res.body).toBe(
      `{"exportBackupToObjectStorageResponse":{"requestId":"${requestId}","returnCode":"0","returnMessage":"success"}}`,
    );
  });

  it('takes the first seed region when regionCode is absent, MANUAL backups too', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const { regionCode: _, ...params } = exportParams('vcache');
    const res = await call(
      emulator.url,
      exportTarget('vcache', { ...params, fileName: 'manual-1', backupTypeMode: 'MANUAL' }),
    );
    expect(res.status).toBe(200);
    expect(emulator.exports()[0]).toMatchObject({
      regionCode: 'KR',
      fileName: 'manual-1',
      backupTypeMode: 'MANUAL',
    });
  });

  it('reaches an instance of another region with its regionCode', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const params = {
      ...exportParams('vredis'),
      regionCode: 'SGN',
      cloudRedisInstanceNo: '1234522',
    };
    expect((await call(emulator.url, exportTarget('vredis', params))).status).toBe(200);
    const wrongRegion = await call(
      emulator.url,
      exportTarget('vredis', { ...params, regionCode: 'KR' }),
    );
    expect(wrongRegion.status).toBe(400);
    expect(wrongRegion.body).toBe(
      xmlError(
        '5001017',
        'Instance not found: cloudRedisInstanceNo &quot;1234522&quot; does not exist in region KR',
      ),
    );
  });

  it('takes POST parameters from a form body, the query string, or both', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const form = 'application/x-www-form-urlencoded';
    const all = query({ ...exportParams('vredis'), responseFormatType: 'json' });
    const inBody = await call(emulator.url, '/vredis/v2/exportBackupToObjectStorage', {
      method: 'POST',
      body: all,
      contentType: `${form}; charset=UTF-8`,
    });
    expect(inBody.status).toBe(200);
    expect(JSON.parse(inBody.body).exportBackupToObjectStorageResponse.returnCode).toBe('0');
    const inQuery = await call(emulator.url, exportTarget('vredis', exportParams('vredis')), {
      method: 'POST',
    });
    expect(inQuery.status).toBe(200);
    const split = await call(
      emulator.url,
      '/vredis/v2/exportBackupToObjectStorage?responseFormatType=json&fileName=20240702',
      {
        method: 'POST',
        body: query({
          bucketName: 'cache-backup',
          cloudRedisInstanceNo: '1234511',
          backupTypeMode: 'SYSTEM',
        }),
        contentType: form,
      },
    );
    expect(split.status).toBe(200);
    expect(split.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(emulator.exports()).toHaveLength(3);
    expect(emulator.stats()).toMatchObject({ requests: 3, accepted: 3, duplicates: 2 });
  });

  it('refuses a POST body that is not form-urlencoded', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const res = await call(
      emulator.url,
      '/vcache/v2/exportBackupToObjectStorage?responseFormatType=json',
      {
        method: 'POST',
        body: JSON.stringify(exportParams('vcache')),
        contentType: 'application/json',
      },
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      responseError: {
        returnCode: '1007005',
        returnMessage:
          'Unsupported Content-Type "application/json" for request parameters: send them in the query string or as application/x-www-form-urlencoded',
      },
    });
  });

  it('lists every accepted export in order, duplicates included, and counts the duplicates', async () => {
    emulator = await startEmulator({ seed: TEST_SEED });
    const a = exportParams('vredis');
    const b = { ...a, bucketName: 'other-bucket' };
    const c = exportParams('vcache');
    for (const [api, params] of [
      ['vredis', a],
      ['vredis', b],
      ['vredis', a],
      ['vcache', c],
      ['vredis', a],
    ] as const) {
      expect((await call(emulator.url, exportTarget(api, params))).status).toBe(200);
    }
    const exports = emulator.exports();
    expect(exports.map((e) => `${e.api}/${e.instanceNo}/${e.bucketName}`)).toEqual([
      'vredis/1234511/cache-backup',
      'vredis/1234511/other-bucket',
      'vredis/1234511/cache-backup',
      'vcache/2345821/cache-backup',
      'vredis/1234511/cache-backup',
    ]);
    expect(new Set(exports.map((e) => e.requestId)).size).toBe(5);
    expect(emulator.stats()).toEqual({
      requests: 5,
      accepted: 5,
      throttled: 0,
      badSignatures: 0,
      invalid: 0,
      notFound: 0,
      faults: {
        http500: 0,
        http503: 0,
        http504: 0,
        service1000: 0,
        reset: 0,
        slow: 0,
        malformed: 0,
        throttle: 0,
      },
      maxPerSecond: 5,
      maxAcceptedPerSecond: 5,
      duplicates: 2,
      manualBackupCreateCalls: 0,
      manualBackupsCreated: 0,
    });
    // A copy: callers cannot change what was recorded.
    exports[0]!.fileName = 'changed';
    expect(emulator.exports()[0]!.fileName).toBe('20240702');
  });
});
