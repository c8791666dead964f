/**
 * The product's NCP paths against the emulator's: each side writes NCP's base paths and
 * instance parameters itself (`shared/contract.ts`, `test/emulator/families.ts`), so a typo on
 * either side fails here instead of being mirrored into the emulator.
 */
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { API_FAMILIES } from '../../shared/contract.ts';
import { NcpClient } from '../../shared/ncp/client.ts';
import { type ApiFamily, NCP_FAMILIES } from '../emulator/families.ts';

const ORIGIN = 'https://ncloud.apigw.ntruss.com';
const OK = '{"exportBackupToObjectStorageResponse":{"returnCode":"0","returnMessage":"success"}}';

let agent: MockAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** The request target the production client sends for one export of `api`. */
async function exportTarget(api: ApiFamily): Promise<URL> {
  agent = new MockAgent();
  agent.disableNetConnect();
  const sent: string[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: () => true, method: 'GET' })
    .reply((opts) => {
      sent.push(opts.path);
      return { statusCode: 200, data: OK };
    });
  const client = new NcpClient({
    apiUrl: ORIGIN,
    accessKey: 'AK-families',
    secretKey: 'SK-families-0123456789',
    responseFormat: 'json',
    timeoutMs: 2000,
    maxResponseBytes: 4096,
    dispatcher: agent,
  });
  await client.exportBackup({
    api,
    instanceNo: '1234821',
    fileName: '20240702',
    bucketName: 'cache-backup',
    backupTypeMode: 'SYSTEM',
  });
  expect(sent).toHaveLength(1);
  return new URL(sent[0]!, ORIGIN);
}

describe('NCP API families: product and emulator agree', () => {
  it('name the same families', () => {
    expect(Object.keys(API_FAMILIES).sort()).toEqual(Object.keys(NCP_FAMILIES).sort());
  });

  it.each(Object.keys(NCP_FAMILIES) as ApiFamily[])(
    "the client's %s export goes to the emulator's path with its instance parameter",
    async (api) => {
      const { basePath, instanceParam } = NCP_FAMILIES[api];
      const target = await exportTarget(api);
      expect(target.pathname).toBe(`${basePath}/exportBackupToObjectStorage`);
      expect(target.searchParams.get(instanceParam)).toBe('1234821');
      const others = Object.values(NCP_FAMILIES).filter((f) => f.instanceParam !== instanceParam);
      for (const other of others) expect(target.searchParams.has(other.instanceParam)).toBe(false);
    },
  );
});
