/**
 * What the Object Storage stand-in holds: each bucket's objects, and the exports on their way.
 * An accepted export lands as an object after `delayMs`, then grows to its full size over
 * `growMs` (as a copy in progress does), unless a fault says it never lands or stops short.
 * Objects are worked out from the clock when read, so nothing runs in the background.
 */
import { createHash } from 'node:crypto';

export type LandingFault = 'none' | 'never' | 'truncated';

export interface Landing {
  bucket: string;
  key: string;
  /** Full size in bytes. */
  size: number;
  /** When the export was accepted (ms). */
  acceptedAt: number;
  delayMs: number;
  growMs: number;
  fault: LandingFault;
}

export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, Landing>>();

  constructor(buckets: readonly string[]) {
    for (const bucket of buckets) this.buckets.set(bucket, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** Schedules an object; a later landing under the same key replaces it (as a PUT would). */
  land(landing: Landing): void {
    this.buckets.get(landing.bucket)?.set(landing.key, landing);
  }

  /** An object as it stands at `now`, if it is there. */
  head(bucket: string, key: string, now: number): StoredObject | undefined {
    const landing = this.buckets.get(bucket)?.get(key);
    return landing ? objectAt(landing, now) : undefined;
  }

  /**
   * List Objects (v1): keys under `prefix` after `marker`, in order, at most `maxKeys`; with a
   * delimiter, common prefixes as S3 rolls them up.
   */
  list(
    bucket: string,
    options: { prefix: string; marker: string; maxKeys: number; delimiter: string },
    now: number,
  ): { objects: StoredObject[]; prefixes: string[]; truncated: boolean } {
    const landings = this.buckets.get(bucket) ?? new Map<string, Landing>();
    const keys = [...landings.keys()]
      .filter((key) => key.startsWith(options.prefix) && key > options.marker)
      .sort();
    const objects: StoredObject[] = [];
    const prefixes = new Set<string>();
    let truncated = false;
    for (const key of keys) {
      const object = objectAt(landings.get(key)!, now);
      if (!object) continue;
      const rest = key.slice(options.prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      if (objects.length + prefixes.size >= options.maxKeys) {
        truncated = true;
        break;
      }
      if (cut >= 0) prefixes.add(options.prefix + rest.slice(0, cut + options.delimiter.length));
      else objects.push(object);
    }
    return { objects, prefixes: [...prefixes], truncated };
  }
}

function objectAt(landing: Landing, now: number): StoredObject | undefined {
  if (landing.fault === 'never') return undefined;
  const since = now - landing.acceptedAt - landing.delayMs;
  if (since < 0) return undefined;
  const full = landing.fault === 'truncated' ? Math.floor(landing.size / 2) : landing.size;
  const share = landing.growMs <= 0 ? 1 : Math.min(1, since / landing.growMs);
  const size = Math.max(1, Math.floor(full * share));
  const done = share >= 1;
  const lastModified = new Date(
    landing.acceptedAt + landing.delayMs + (done ? landing.growMs : since),
  );
  lastModified.setMilliseconds(0); // S3 dates have whole seconds
  const etag = createHash('md5').update(`${landing.key}:${size}`).digest('hex');
  return { key: landing.key, size, etag: `"${etag}"`, lastModified };
}
