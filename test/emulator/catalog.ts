/**
 * Look-ups over a checked seed: keys, regions, buckets and instances; and the manual backups
 * created while the emulator runs, which join their instance's backups once they appear.
 */
import type { ApiFamily } from './families.ts';
import type { Seed, SeedBackup, SeedInstance } from './seed.ts';

/** A manual backup being made: it appears at `appearAt`, or is dropped then if `never`. */
interface PendingBackup {
  backup: SeedBackup;
  appearAt: number;
  never: boolean;
}

/** What {@link Catalog.createManualBackup} did. */
export type CreateResult = { created: SeedBackup } | { inProgress: SeedBackup };

/** What the emulated account holds, indexed for the request path. */
export class Catalog {
  readonly #seed: Seed;
  readonly #secrets: Map<string, string>;
  readonly #buckets: Set<string>;
  readonly #instances: Map<string, SeedInstance>;
  readonly #pending = new Map<SeedInstance, PendingBackup>();
  #created = 0;

  /** @param seed - a seed already checked by `parseSeed` */
  constructor(seed: Seed) {
    this.#seed = seed;
    this.#secrets = new Map(seed.credentials.map((c) => [c.accessKey, c.secretKey]));
    this.#buckets = new Set(seed.buckets);
    this.#instances = new Map();
    for (const instance of seed.instances) {
      this.#instances.set(`${instance.api} ${instance.instanceNo}`, instance);
      // One instance, two families: both keys reach the same object, and so the same backups.
      if (instance.listedByVcache) this.#instances.set(`vcache ${instance.instanceNo}`, instance);
    }
  }

  /** NCP's default region: the seed's first. */
  get defaultRegion(): string {
    return this.#seed.regions[0]!;
  }

  get regions(): readonly string[] {
    return this.#seed.regions;
  }

  get accessKeys(): string[] {
    return [...this.#secrets.keys()];
  }

  /** Instances of the seed (one listed by both families counts once). */
  get instanceCount(): number {
    return this.#seed.instances.length;
  }

  get bucketCount(): number {
    return this.#buckets.size;
  }

  /** Secret key of an access key, or undefined when unknown. */
  secretFor(accessKey: string): string | undefined {
    return this.#secrets.get(accessKey);
  }

  hasRegion(regionCode: string): boolean {
    return this.#seed.regions.includes(regionCode);
  }

  hasBucket(bucketName: string): boolean {
    return this.#buckets.has(bucketName);
  }

  /** Every instance of that family in that region, in seed order (vcache's include the vredis ones it lists too). */
  instancesIn(api: ApiFamily, regionCode: string): SeedInstance[] {
    return this.#seed.instances.filter(
      (i) =>
        (i.api === api || (api === 'vcache' && i.listedByVcache === true)) &&
        i.regionCode === regionCode,
    );
  }

  /**
   * The instance's backups at `now`: the seed's, and the manual ones created here that have
   * appeared by then (a pending one whose time has come joins them, or is dropped if `never`).
   */
  backupsOf(instance: SeedInstance, now: number): SeedBackup[] {
    const pending = this.#pending.get(instance);
    if (pending && pending.appearAt <= now) {
      this.#pending.delete(instance);
      if (!pending.never) instance.backups.push(pending.backup);
    }
    return instance.backups;
  }

  /**
   * Starts a manual backup of `instance` at `now`, unless one is still being made (then that one
   * is returned as `inProgress`). It appears in the manual list `delayMs` later, or never.
   */
  createManualBackup(
    instance: SeedInstance,
    now: number,
    delayMs: number,
    never: boolean,
  ): CreateResult {
    this.backupsOf(instance, now);
    const pending = this.#pending.get(instance);
    if (pending) return { inProgress: pending.backup };
    this.#created++;
    const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const backup: SeedBackup = {
      fileName: `manual-${instance.instanceNo}-${stamp}-${this.#created}`,
      type: 'MANUAL',
      startTime: new Date(now).toISOString(),
      endTime: new Date(now + delayMs).toISOString(),
      backupSize: instance.backups[0]?.backupSize ?? 1_048_576,
    };
    this.#pending.set(instance, { backup, appearAt: now + delayMs, never });
    return { created: backup };
  }

  /** Whether the vcache backup detail lists carry `fileName` (see `Seed.vcacheFileNames`). */
  get vcacheFileNames(): boolean {
    return this.#seed.vcacheFileNames ?? true;
  }

  /** The instance of that family and number, whatever its region. */
  instance(api: ApiFamily, instanceNo: string): SeedInstance | undefined {
    return this.#instances.get(`${api} ${instanceNo}`);
  }
}
