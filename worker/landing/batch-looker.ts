/**
 * Batches looks: the looks of one bucket (and region) that come within `batchMs` of each other
 * share one List Objects walk over the range that covers them all, so a thousand pending
 * exports in a bucket cost a page or two per beat, not a thousand requests.
 */
import type { ObjectStorageClient } from '../../shared/landing/storage-client.ts';
import {
  candidates,
  coveringRange,
  type LandingTarget,
  type SeenObject,
} from '../../shared/landing/target.ts';

interface Waiting {
  target: LandingTarget;
  resolve: (found: SeenObject[]) => void;
  reject: (error: unknown) => void;
}

export class BatchLooker {
  /** Walks made (one or more List Objects pages each). */
  walks = 0;
  private readonly client: ObjectStorageClient;
  private readonly batchMs: number;
  private readonly groups = new Map<string, Waiting[]>();

  constructor(client: ObjectStorageClient, batchMs: number) {
    this.client = client;
    this.batchMs = batchMs;
  }

  /** The candidates for `target` in its bucket now, the first the likeliest. */
  look(target: LandingTarget): Promise<SeenObject[]> {
    return new Promise((resolve, reject) => {
      const group = `${target.region}\u0000${target.bucket}`;
      let waiting = this.groups.get(group);
      if (!waiting) {
        waiting = [];
        this.groups.set(group, waiting);
        setTimeout(() => void this.walk(group), this.batchMs);
      }
      waiting.push({ target, resolve, reject });
    });
  }

  private async walk(group: string): Promise<void> {
    const waiting = this.groups.get(group) ?? [];
    this.groups.delete(group);
    const first = waiting[0];
    if (!first) return;
    this.walks++;
    try {
      const targets = waiting.map((w) => w.target);
      const objects = await this.client.walk(
        first.target.region,
        first.target.bucket,
        coveringRange(targets),
      );
      const byKey = new Map(objects.map((object) => [object.key, object]));
      for (const { target, resolve } of waiting) {
        if (target.key !== undefined) {
          const object = byKey.get(target.key);
          resolve(object ? [object] : []);
        } else {
          resolve(candidates(target, objects));
        }
      }
    } catch (error) {
      for (const { reject } of waiting) reject(error);
    }
  }
}
