/**
 * Look-ups over a checked seed: keys, regions, buckets and instances.
 */
import type { ApiFamily } from './families.ts';
import type { Seed, SeedInstance } from './seed.ts';

/** What the emulated account holds, indexed for the request path. */
export class Catalog {
  readonly #seed: Seed;
  readonly #secrets: Map<string, string>;
  readonly #buckets: Set<string>;
  readonly #instances: Map<string, SeedInstance>;

  /** @param seed - a seed already checked by `parseSeed` */
  constructor(seed: Seed) {
    this.#seed = seed;
    this.#secrets = new Map(seed.credentials.map((c) => [c.accessKey, c.secretKey]));
    this.#buckets = new Set(seed.buckets);
    this.#instances = new Map(seed.instances.map((i) => [`${i.api} ${i.instanceNo}`, i]));
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

  get instanceCount(): number {
    return this.#instances.size;
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

  /** Every instance of that family in that region, in seed order. */
  instancesIn(api: ApiFamily, regionCode: string): SeedInstance[] {
    return this.#seed.instances.filter((i) => i.api === api && i.regionCode === regionCode);
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
