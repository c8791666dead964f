/**
 * The Object Storage client of landing checks: `@aws-sdk/client-s3` set up as NCP's store
 * needs it (path-style, checksums only when required, List Objects v1 with `marker` paging:
 * NCP has no v2), signed with the NCP key pair. The endpoint follows the site and the export's
 * region (`OBJECT_STORAGE_ENDPOINTS`), or OBJECT_STORAGE_URL for all. One client per endpoint.
 */
import { ListObjectsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { LandingConfig } from '../config.ts';
import { OBJECT_STORAGE_ENDPOINTS } from '../defaults.ts';
import type { SeenObject } from './target.ts';

/** Keys per List Objects page: NCP's maximum. */
export const LIST_PAGE_KEYS = 1000;

export type StorageSettings = Pick<
  LandingConfig,
  'storageUrl' | 'signingRegion' | 'site' | 'accessKey' | 'secretKey'
>;

export interface StorageClientOptions {
  settings: StorageSettings;
  /** Waits for the Object Storage rate limit before each request. @defaultValue none */
  beforeRequest?: ((signal?: AbortSignal) => Promise<void>) | undefined;
  /** @defaultValue 10,000 ms */
  timeoutMs?: number | undefined;
}

/** An Object Storage request that failed: S3's error code (or a transport one) and message. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/** A walk of keys: under `prefix`, after `marker`, until a page passes `until`. */
export interface KeyRange {
  prefix: string;
  /** Keys strictly after this. @defaultValue '' */
  marker?: string | undefined;
  /** Stop once a page holds a key at or past this; undefined: walk to the end. */
  until?: string | undefined;
  /** Stop after this many pages. @defaultValue no limit */
  maxPages?: number | undefined;
}

export class ObjectStorageClient {
  /** List Objects requests sent (pages), for the logs and the bench. */
  requests = 0;
  private readonly options: StorageClientOptions;
  private readonly clients = new Map<string, S3Client>();

  constructor(options: StorageClientOptions) {
    this.options = options;
  }

  /** The endpoint and signing region for exports of `region`; undefined when none is known. */
  endpoint(region: string): { url: string; signingRegion: string } | undefined {
    const { storageUrl, signingRegion, site } = this.options.settings;
    if (storageUrl) return { url: storageUrl, signingRegion };
    return site ? OBJECT_STORAGE_ENDPOINTS[site][region] : undefined;
  }

  /** Every object of `range` in `bucket`, page by page. */
  async walk(
    region: string,
    bucket: string,
    range: KeyRange,
    signal?: AbortSignal,
  ): Promise<SeenObject[]> {
    const client = this.client(region);
    const objects: SeenObject[] = [];
    let marker = range.marker ?? '';
    for (let pages = 1; ; pages++) {
      await this.options.beforeRequest?.(signal);
      this.requests++;
      const page = await client
        .send(
          new ListObjectsCommand({
            Bucket: bucket,
            Prefix: range.prefix || undefined,
            Marker: marker || undefined,
            MaxKeys: LIST_PAGE_KEYS,
          }),
          { abortSignal: signal ?? AbortSignal.timeout(this.options.timeoutMs ?? 10_000) },
        )
        .catch((error: unknown) => {
          throw asStorageError(error, bucket);
        });
      const contents = page.Contents ?? [];
      for (const item of contents) {
        if (!item.Key) continue;
        objects.push({
          key: item.Key,
          size: item.Size ?? 0,
          ...(item.ETag ? { etag: item.ETag } : {}),
          ...(item.LastModified ? { lastModified: item.LastModified.toISOString() } : {}),
        });
      }
      const last = page.NextMarker || contents.at(-1)?.Key;
      if (!page.IsTruncated || !last) return objects;
      if (range.until !== undefined && last >= range.until) return objects;
      if (range.maxPages !== undefined && pages >= range.maxPages) return objects;
      marker = last;
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private client(region: string): S3Client {
    const endpoint = this.endpoint(region);
    if (!endpoint) {
      throw new StorageError(
        'NoEndpoint',
        `no Object Storage endpoint is known for region ${region}; set OBJECT_STORAGE_URL`,
      );
    }
    let client = this.clients.get(endpoint.url);
    if (!client) {
      const { accessKey, secretKey } = this.options.settings;
      client = new S3Client({
        endpoint: endpoint.url,
        region: endpoint.signingRegion,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
        maxAttempts: 1,
      });
      this.clients.set(endpoint.url, client);
    }
    return client;
  }
}

function asStorageError(error: unknown, bucket: string): StorageError {
  if (error instanceof S3ServiceException) {
    return new StorageError(error.name, `${error.message} (bucket ${bucket})`);
  }
  const cause = error as { code?: string; name?: string; message?: string };
  return new StorageError(
    cause.code ?? cause.name ?? 'Error',
    `${cause.message ?? String(error)} (bucket ${bucket})`,
  );
}
