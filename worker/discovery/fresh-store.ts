/**
 * Where a fresh discovery keeps its progress between runs of its job: one Redis hash per
 * discovery job, `<prefix>:cache-export-discovery:fresh:<jobId>`, with the instances its first
 * run listed and each instance's state. Every state is written before the step it records is
 * taken further, so a retried or restarted job never sends a second create for an instance:
 * `creating` is written before the create call, `created` once NCP accepted it.
 */
import { DISCOVERY_QUEUE } from '../../shared/contract.ts';
import type { DiscoveryError } from '../../shared/discovery-contract.ts';
import type { RedisClient } from '../../shared/redis.ts';
import type { ListedInstance } from './ncp-lists.ts';

/** One instance of a fresh discovery. */
export type FreshState =
  /** The create call is about to be sent, or was sent and the run ended before its answer. */
  | { phase: 'creating'; before: string[]; at: number }
  /** NCP accepted the create at `at`; `uncertain` says why its acceptance is not known for sure. */
  | { phase: 'created'; before: string[]; at: number; uncertain?: string | undefined }
  /** The new file. */
  | { phase: 'found'; fileName: string; backupTime: string | null; listed: number }
  | { phase: 'failed'; error: DiscoveryError; listed: number | null };

/** What the first run of a fresh discovery listed. */
export interface FreshListing {
  instancesSeen: number;
  matched: ListedInstance[];
  errors: DiscoveryError[];
}

export interface FreshProgress {
  listing: FreshListing | undefined;
  /** By {@link freshKey}. */
  states: Map<string, FreshState>;
}

export interface FreshStore {
  read(jobId: string): Promise<FreshProgress>;
  saveListing(jobId: string, listing: FreshListing): Promise<void>;
  save(jobId: string, key: string, state: FreshState): Promise<void>;
  /** Forgets one instance's state (a create that was never sent). */
  forget(jobId: string, key: string): Promise<void>;
  /** Forgets the discovery's progress, once its outcome is written. */
  clear(jobId: string): Promise<void>;
}

/** The field of an instance: family and number. */
export function freshKey(instance: Pick<ListedInstance, 'api' | 'instanceNo'>): string {
  return `${instance.api}:${instance.instanceNo}`;
}

/** The Redis key of a discovery's progress. */
export function freshProgressKey(prefix: string, jobId: string): string {
  return `${prefix}:${DISCOVERY_QUEUE}:fresh:${jobId}`;
}

const LISTING = 'listing';

/**
 * The store on Redis. Each write renews the key's expiry (`ttlMs`: the wait for new backups
 * and a day more), so progress left by a discovery that never finishes goes away by itself.
 */
export function redisFreshStore(redis: RedisClient, prefix: string, ttlMs: number): FreshStore {
  const key = (jobId: string) => freshProgressKey(prefix, jobId);
  const write = async (jobId: string, field: string, value: unknown) => {
    await redis
      .multi()
      .hset(key(jobId), field, JSON.stringify(value))
      .pexpire(key(jobId), ttlMs)
      .exec();
  };
  return {
    async read(jobId) {
      const fields = await redis.hgetall(key(jobId));
      const states = new Map<string, FreshState>();
      let listing: FreshListing | undefined;
      for (const [field, text] of Object.entries(fields)) {
        if (field === LISTING) listing = JSON.parse(text) as FreshListing;
        else states.set(field, JSON.parse(text) as FreshState);
      }
      return { listing, states };
    },
    saveListing: (jobId, listing) => write(jobId, LISTING, listing),
    save: (jobId, field, state) => write(jobId, field, state),
    async forget(jobId, field) {
      await redis.hdel(key(jobId), field);
    },
    async clear(jobId) {
      await redis.del(key(jobId));
    },
  };
}
