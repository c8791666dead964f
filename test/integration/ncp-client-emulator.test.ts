/**
 * The real NCP client against the emulator: every error kind, in both response formats, as
 * a worker will see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRequest } from '../../shared/contract.ts';
import { NcpClient, NcpError } from '../../shared/ncp/index.ts';
import {
  DEFAULT_CREDENTIALS,
  type Emulator,
  generateSeed,
  startEmulator,
} from '../emulator/index.ts';
import { productClient } from '../helpers/product-client.ts';

const seed = generateSeed({ instances: 2, systemBackups: 1 });
const instance = seed.instances[0]!;
const request: ExportRequest = {
  api: instance.api,
  instanceNo: instance.instanceNo,
  fileName: instance.backups[0]!.fileName,
  bucketName: seed.buckets[0]!,
  backupTypeMode: 'SYSTEM',
  regionCode: instance.regionCode,
};

describe.each(['json', 'xml'] as const)('NCP client against the emulator (%s)', (format) => {
  let emulator: Emulator;
  let client: NcpClient;

  beforeAll(async () => {
    emulator = await startEmulator({ seed });
    client = productClient(emulator, { responseFormat: format, maxResponseBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await client.close();
    await emulator.close();
  });

  async function failure(): Promise<NcpError> {
    const error = await client.exportBackup(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NcpError);
    return error as NcpError;
  }

  it('succeeds with a requestId', async () => {
    emulator.configure({ faults: {} });
    const response = await client.exportBackup(request);
    expect(response).toMatchObject({ httpStatus: 200, returnCode: '0', returnMessage: 'success' });
    expect(response.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emulator.exports().at(-1)).toMatchObject({
      instanceNo: request.instanceNo,
      requestId: response.requestId,
    });
  });

  it.each([
    ['http500', { kind: 'server', code: '900', httpStatus: 500, retryable: true }],
    ['http503', { kind: 'server', code: '500', httpStatus: 503, retryable: true }],
    ['http504', { kind: 'server', code: '510', httpStatus: 504, retryable: true }],
    ['service1000', { kind: 'server', code: '1000', httpStatus: 500, retryable: true }],
    ['throttle', { kind: 'throttled', code: '420', httpStatus: 429, retryable: true }],
    ['reset', { kind: 'network', code: 'ECONNRESET', httpStatus: undefined, retryable: true }],
    ['slow', { kind: 'timeout', code: 'TIMEOUT', httpStatus: undefined, retryable: true }],
    ['malformed', { kind: 'protocol', code: 'MALFORMED_BODY', httpStatus: 200, retryable: false }],
  ] as const)('classifies %s', async (fault, expected) => {
    emulator.configure({ faults: { schedule: [fault], slowMs: 10_000 } });
    const error = await failure();
    expect({
      kind: error.kind,
      code: error.code,
      httpStatus: error.httpStatus,
      retryable: error.retryable,
    }).toEqual(expected);
  });

  it('reads Retry-After from a 429, in seconds and as a date', async () => {
    emulator.configure({ faults: { schedule: ['throttle'] }, retryAfter: 3 });
    expect((await failure()).retryAfterMs).toBe(3000);
    emulator.configure({ faults: { schedule: ['throttle'] }, retryAfter: 'date' });
    const fromDate = (await failure()).retryAfterMs;
    expect(fromDate).toBeGreaterThanOrEqual(0);
    expect(fromDate).toBeLessThanOrEqual(2000);
    emulator.configure({ retryAfter: 'none', faults: {} });
  });

  it('fails auth with a wrong key, and names an unknown instance as invalid', async () => {
    const wrong = new NcpClient({
      apiUrl: emulator.url,
      accessKey: DEFAULT_CREDENTIALS.accessKey,
      secretKey: 'wrong-secret',
      responseFormat: format,
      timeoutMs: 1000,
      maxResponseBytes: 64 * 1024,
    });
    const auth = (await wrong.exportBackup(request).catch((e: unknown) => e)) as NcpError;
    await wrong.close();
    expect(auth).toMatchObject({ kind: 'auth', code: '200', httpStatus: 401, retryable: false });
    expect(auth.message).not.toContain('wrong-secret');

    const unknown = (await client
      .exportBackup({ ...request, instanceNo: '42' })
      .catch((e: unknown) => e)) as NcpError;
    expect(unknown).toMatchObject({
      kind: 'invalid',
      code: '5001017',
      httpStatus: 400,
      retryable: false,
    });
    expect(unknown.message).toContain('42');
  });

  it('fails auth when the clock is 5 minutes or more off, and says so', async () => {
    emulator.configure({ clockOffsetMs: 6 * 60_000 });
    const error = await failure();
    emulator.configure({ clockOffsetMs: 0 });
    expect(error).toMatchObject({ kind: 'auth', httpStatus: 401 });
    expect(error.message).toMatch(/timestamp/i);
  });
});
