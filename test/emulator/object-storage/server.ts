/**
 * {@link startObjectStorage}: an S3-compatible stand-in for NCP Object Storage, where the
 * emulator's accepted exports land. It speaks what NCP's store does: path-style addressing,
 * List Objects v1 with `marker` paging (v2 is refused, as NCP has none), HEAD and GET of an
 * object, S3's XML errors, and Signature V4 with the API key pair.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256, verifySigV4 } from './sigv4.ts';
import { type LandingFault, ObjectStore, type StoredObject } from './store.ts';

export interface LandingSettings {
  /** From acceptance to the object's first appearance. @defaultValue 2000 ms */
  delayMs?: number;
  /**
   * With a value above `delayMs`, each export's delay is drawn evenly from `delayMs` to this.
   * @defaultValue delayMs
   */
  delayMaxMs?: number;
  /** From its appearance to its full size. @defaultValue 3000 ms */
  growMs?: number;
  /** Share of exports that never land. @defaultValue 0 */
  neverRate?: number;
  /** Share of exports that stop at half their size. @defaultValue 0 */
  truncatedRate?: number;
  /** Instances whose exports never land, whatever the draw (demos). @defaultValue [] */
  neverInstances?: readonly string[];
  /**
   * Where an export lands: placeholders `{api}`, `{region}`, `{instanceNo}`, `{fileName}`,
   * `{backupTypeMode}`, `{date}` (YYYYMMDD, UTC, of the acceptance).
   * @defaultValue '{instanceNo}/{fileName}'
   */
  keyTemplate?: string;
}

export interface ObjectStorageOptions {
  buckets: readonly string[];
  credentials: readonly { accessKey: string; secretKey: string }[];
  port?: number;
  host?: string;
  landing?: LandingSettings;
  /** @defaultValue Math.random */
  random?: () => number;
}

export interface AcceptedForLanding {
  api: string;
  regionCode: string;
  instanceNo: string;
  fileName: string;
  bucketName: string;
  backupTypeMode: string;
  /** Full size of the backup in bytes. */
  size: number;
}

export interface ObjectStorageStats {
  list: number;
  head: number;
  get: number;
  denied: number;
}

export interface ObjectStorage {
  url: string;
  /** Schedules where and when an accepted export lands; returns its key and fault. */
  land(accepted: AcceptedForLanding, at?: number): { key: string; fault: LandingFault };
  /** Changes the landing settings for exports accepted from now on. */
  configure(landing: LandingSettings): void;
  stats(): ObjectStorageStats;
  close(): Promise<void>;
}

const XML = 'application/xml';

export async function startObjectStorage(options: ObjectStorageOptions): Promise<ObjectStorage> {
  const store = new ObjectStore(options.buckets);
  const secrets = new Map(options.credentials.map((c) => [c.accessKey, c.secretKey]));
  const random = options.random ?? Math.random;
  let landing = resolveLanding(options.landing ?? {});
  const stats: ObjectStorageStats = { list: 0, head: 0, get: 0, denied: 0 };

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.destroy());
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const auth = verifySigV4(req, secrets, sha256(Buffer.concat(body)));
    if (!auth.ok) {
      stats.denied++;
      return error(res, 403, auth.code, auth.message);
    }
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (!bucket)
      return error(res, 400, 'InvalidRequest', 'path-style addressing only: /bucket/key');
    if (!store.hasBucket(bucket)) return error(res, 404, 'NoSuchBucket', `no bucket ${bucket}`);
    const now = Date.now();
    if (req.method === 'GET' && !key) {
      stats.list++;
      if (url.searchParams.get('list-type') === '2') {
        return error(
          res,
          501,
          'NotImplemented',
          'ListObjectsV2 is not supported: use List Objects (v1)',
        );
      }
      const maxKeys = Math.min(
        1000,
        Math.max(0, Number(url.searchParams.get('max-keys') ?? 1000) || 0),
      );
      const prefix = url.searchParams.get('prefix') ?? '';
      const marker = url.searchParams.get('marker') ?? '';
      const delimiter = url.searchParams.get('delimiter') ?? '';
      const page = store.list(bucket, { prefix, marker, maxKeys, delimiter }, now);
      const last = page.objects.at(-1)?.key ?? '';
      res.writeHead(200, { 'Content-Type': XML });
      res.end(
        [
          '<?xml version="1.0" encoding="UTF-8"?>',
          '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
          `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><Marker>${xmlEscape(marker)}</Marker>`,
          `<MaxKeys>${maxKeys}</MaxKeys>`,
          delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : '',
          `<IsTruncated>${page.truncated}</IsTruncated>`,
          page.truncated && delimiter ? `<NextMarker>${xmlEscape(last)}</NextMarker>` : '',
          ...page.objects.map(contents),
          ...page.prefixes.map(
            (p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`,
          ),
          '</ListBucketResult>',
        ].join(''),
      );
      return;
    }
    if ((req.method === 'HEAD' || req.method === 'GET') && key) {
      stats[req.method === 'HEAD' ? 'head' : 'get']++;
      const object = store.head(bucket, key, now);
      if (!object) {
        if (req.method === 'HEAD') return void res.writeHead(404).end();
        return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      }
      res.writeHead(200, {
        'Content-Length': object.size,
        'Content-Type': 'application/octet-stream',
        ETag: object.etag,
        'Last-Modified': object.lastModified.toUTCString(),
      });
      res.end(req.method === 'GET' ? Buffer.alloc(object.size) : undefined);
      return;
    }
    return error(res, 405, 'MethodNotAllowed', 'the stand-in serves List Objects, HEAD and GET');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    land(accepted, at = Date.now()) {
      const draw = random();
      const fault: LandingFault =
        draw < landing.neverRate || landing.neverInstances.includes(accepted.instanceNo)
          ? 'never'
          : draw < landing.neverRate + landing.truncatedRate
            ? 'truncated'
            : 'none';
      const key = landingKey(landing.keyTemplate, accepted, at);
      store.land({
        bucket: accepted.bucketName,
        key,
        size: accepted.size,
        acceptedAt: at,
        delayMs:
          landing.delayMaxMs > landing.delayMs
            ? landing.delayMs + Math.floor(random() * (landing.delayMaxMs - landing.delayMs))
            : landing.delayMs,
        growMs: landing.growMs,
        fault,
      });
      return { key, fault };
    },
    configure(patch) {
      landing = resolveLanding({ ...landing, ...patch });
    },
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function resolveLanding(settings: LandingSettings): Required<LandingSettings> {
  return {
    delayMs: settings.delayMs ?? 2000,
    delayMaxMs: settings.delayMaxMs ?? 0,
    growMs: settings.growMs ?? 3000,
    neverRate: settings.neverRate ?? 0,
    truncatedRate: settings.truncatedRate ?? 0,
    neverInstances: settings.neverInstances ?? [],
    keyTemplate: settings.keyTemplate ?? '{instanceNo}/{fileName}',
  };
}

/** The key an export lands under, from the stand-in's template. */
export function landingKey(template: string, accepted: AcceptedForLanding, at: number): string {
  const values: Record<string, string> = {
    api: accepted.api,
    region: accepted.regionCode,
    instanceNo: accepted.instanceNo,
    fileName: accepted.fileName,
    backupTypeMode: accepted.backupTypeMode,
    date: new Date(at).toISOString().slice(0, 10).replaceAll('-', ''),
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function contents(object: StoredObject): string {
  return (
    `<Contents><Key>${xmlEscape(object.key)}</Key>` +
    `<LastModified>${object.lastModified.toISOString()}</LastModified>` +
    `<ETag>${xmlEscape(object.etag)}</ETag><Size>${object.size}</Size>` +
    '<StorageClass>STANDARD</StorageClass></Contents>'
  );
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': XML });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
  );
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
