/**
 * The emulator's Object Storage stand-in, driven by the AWS SDK's S3 client configured as for
 * NCP (path-style, checksums only when required): exports land after a delay, grow, and can be
 * made to never land or stop short; List Objects v1 pages by marker; v2 is refused; Signature
 * V4 is checked.
 */
import {
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNcpClient } from '../../shared/ncp/index.ts';
import { DEFAULT_CREDENTIALS, generateSeed, startEmulator } from '../emulator/index.ts';
import { type ObjectStorage, startObjectStorage } from '../emulator/object-storage/server.ts';
import { waitFor } from '../helpers/redis.ts';

const export1 = {
  api: 'vredis',
  regionCode: 'KR',
  instanceNo: '1001',
  fileName: '20261201',
  bucketName: 'cache-backup',
  backupTypeMode: 'SYSTEM',
  size: 10_000,
};

function client(storage: ObjectStorage, secretAccessKey = DEFAULT_CREDENTIALS.secretKey) {
  return new S3Client({
    endpoint: storage.url,
    region: 'kr-standard',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: DEFAULT_CREDENTIALS.accessKey, secretAccessKey },
  });
}

describe('Object Storage stand-in', () => {
  let storage: ObjectStorage;
  let s3: S3Client;

  beforeAll(async () => {
    storage = await startObjectStorage({
      buckets: ['cache-backup'],
      credentials: [DEFAULT_CREDENTIALS],
      landing: { delayMs: 300, growMs: 600 },
    });
    s3 = client(storage);
  });

  afterAll(async () => {
    s3?.destroy();
    await storage?.close();
  });

  it('lands an accepted export after a delay, growing to its full size', async () => {
    const t0 = Date.now();
    const { key } = storage.land(export1, t0);
    expect(key).toBe('1001/20261201');
    const head = () => s3.send(new HeadObjectCommand({ Bucket: 'cache-backup', Key: key }));
    if (Date.now() - t0 < 250) await expect(head()).rejects.toMatchObject({ name: 'NotFound' });
    await waitFor(
      'the first bytes',
      async () => (await head().catch(() => undefined)) !== undefined,
      5000,
      20,
    );
    await waitFor('the full size', async () => (await head()).ContentLength === 10_000, 5000, 50);
    const done = await head();
    expect(done.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(done.LastModified).toBeInstanceOf(Date);
  });

  it('pages List Objects v1 by marker, and refuses v2 as NCP does', async () => {
    storage.configure({ delayMs: 0, growMs: 0 });
    for (const file of ['a', 'b', 'c', 'd', 'e'])
      storage.land({ ...export1, instanceNo: '2002', fileName: file });
    const keys: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await s3.send(
        new ListObjectsCommand({
          Bucket: 'cache-backup',
          Prefix: '2002/',
          MaxKeys: 2,
          Marker: marker,
        }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      if (!page.IsTruncated) break;
      marker = page.Contents!.at(-1)!.Key;
    }
    expect(keys).toEqual(['2002/a', '2002/b', '2002/c', '2002/d', '2002/e']);
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: 'cache-backup' })),
    ).rejects.toMatchObject({
      name: 'NotImplemented',
    });
    expect(storage.stats().list).toBeGreaterThanOrEqual(4);
  });

  it('can make an export never land, or stop at half its size', async () => {
    storage.configure({ delayMs: 0, growMs: 0, neverRate: 1, truncatedRate: 0 });
    const never = storage.land({ ...export1, instanceNo: '3003' });
    storage.configure({ neverRate: 0, truncatedRate: 1 });
    const short = storage.land({ ...export1, instanceNo: '3004' });
    expect([never.fault, short.fault]).toEqual(['never', 'truncated']);
    const list = await s3.send(new ListObjectsCommand({ Bucket: 'cache-backup', Prefix: '300' }));
    expect((list.Contents ?? []).map((o) => [o.Key, o.Size])).toEqual([['3004/20261201', 5000]]);
    storage.configure({ truncatedRate: 0 });
  });

  it('checks Signature V4 and names a missing bucket', async () => {
    const wrong = client(storage, 'not-the-secret');
    try {
      const error = await wrong
        .send(new ListObjectsCommand({ Bucket: 'cache-backup' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(S3ServiceException);
      expect((error as S3ServiceException).name).toBe('SignatureDoesNotMatch');
    } finally {
      wrong.destroy();
    }
    await expect(
      s3.send(new ListObjectsCommand({ Bucket: 'no-such-bucket' })),
    ).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    expect(storage.stats().denied).toBeGreaterThan(0);
  });
});

describe('the emulator with its Object Storage', () => {
  it('lands each export NCP accepts in the bucket, at its backup size', async () => {
    const seed = generateSeed({ instances: 1, systemBackups: 1, apis: ['vredis'] });
    const emulator = await startEmulator({ seed, objectStorage: { delayMs: 0, growMs: 0 } });
    const ncp = createNcpClient({
      accessKey: DEFAULT_CREDENTIALS.accessKey,
      secretKey: DEFAULT_CREDENTIALS.secretKey,
      apiUrl: emulator.url,
      region: undefined,
      responseFormat: 'json',
      timeoutMs: 5000,
      maxResponseBytes: 65_536,
      retryableCodes: new Set(['1000']),
    });
    const s3 = client(emulator.objectStorage!);
    try {
      const instance = seed.instances[0]!;
      const backup = instance.backups[0]!;
      await ncp.exportBackup({
        api: 'vredis',
        instanceNo: instance.instanceNo,
        fileName: backup.fileName,
        bucketName: seed.buckets[0]!,
        backupTypeMode: 'SYSTEM',
        regionCode: instance.regionCode,
      });
      const head = await s3.send(
        new HeadObjectCommand({
          Bucket: seed.buckets[0]!,
          Key: `${instance.instanceNo}/${backup.fileName}`,
        }),
      );
      expect(head.ContentLength).toBe(backup.backupSize);
    } finally {
      s3.destroy();
      await ncp.close();
      await emulator.close();
    }
  });
});
