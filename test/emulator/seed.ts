/**
 * The emulator's world: credentials, regions, buckets, and the cache instances with their
 * backups. Loaded from JSON ({@link loadSeed}), checked ({@link parseSeed}), or generated in
 * bulk for tests and benchmarks ({@link generateSeed}).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ApiFamily } from './families.ts';

/** One backup file of an instance, as NCP's backup detail lists describe it. */
export interface SeedBackup {
  fileName: string;
  type: 'SYSTEM' | 'MANUAL';
  startTime: string;
  endTime: string;
  backupSize: number;
}

/** One Cloud DB for Cache instance, reachable through one API family in one region. */
export interface SeedInstance {
  api: ApiFamily;
  instanceNo: string;
  regionCode: string;
  name: string;
  backups: SeedBackup[];
  /**
   * The DBMS: vcache's `cloudCacheDbmsCode`. `Valkey` only for vcache instances (vredis lists
   * Redis only). @defaultValue 'Redis'
   */
  engine?: 'Redis' | 'Valkey';
  /**
   * A vredis instance that vcache lists too, under the same instance number (vcache covers
   * Redis as well): it answers through both families, with one set of backups.
   * @defaultValue false
   */
  listedByVcache?: boolean;
}

/** An API key pair the gateway accepts. */
export interface SeedCredential {
  accessKey: string;
  secretKey: string;
}

/** Everything the emulator knows about. */
export interface Seed {
  credentials: SeedCredential[];
  /** Region codes; the first is the default when a request has no `regionCode`. */
  regions: string[];
  /** Object Storage buckets that exist. */
  buckets: string[];
  instances: SeedInstance[];
  /**
   * Whether the vcache backup detail lists (system and manual) carry `fileName`. NCP's docs
   * list no `fileName` for them, so whether NCP sends one is unverified: `false` emulates the
   * lists without it. The vredis lists always carry it (documented).
   * @defaultValue true
   */
  vcacheFileNames?: boolean;
}

/** A seed that cannot be used, with every problem listed. */
export class SeedError extends Error {
  override readonly name = 'SeedError';
  readonly code = 'ERR_EMULATOR_SEED';
}

/** The fake key pair of the example seed and of generated seeds. */
export const DEFAULT_CREDENTIALS: SeedCredential = {
  accessKey: 'EMULATOR-ACCESS-KEY',
  secretKey: 'emulator-secret-key',
};

const nonEmpty = z.string().min(1, 'must be a non-empty string');

const backupSchema = z.strictObject({
  fileName: nonEmpty,
  type: z.enum(['SYSTEM', 'MANUAL']),
  startTime: z.string(),
  endTime: z.string(),
  backupSize: z.number().nonnegative(),
});

const instanceSchema = z.strictObject({
  api: z.enum(['vredis', 'vcache']),
  instanceNo: z.string().regex(/^[0-9]{1,20}$/, 'must be 1 to 20 digits'),
  regionCode: nonEmpty,
  name: z.string(),
  backups: z.array(backupSchema),
  engine: z.enum(['Redis', 'Valkey']).optional(),
  listedByVcache: z.boolean().optional(),
});

const seedSchema = z.strictObject({
  credentials: z
    .array(z.strictObject({ accessKey: nonEmpty, secretKey: nonEmpty }))
    .min(1, 'needs at least one key pair'),
  regions: z.array(nonEmpty).min(1, 'needs at least one region'),
  buckets: z.array(nonEmpty),
  instances: z.array(instanceSchema),
  vcacheFileNames: z.boolean().optional(),
});

/**
 * Checks untrusted data as a seed: shape, then cross-references (known regions, no duplicate
 * access keys, regions, buckets, instances or backup files).
 * @param source - named in the error message, e.g. the file path
 * @throws SeedError listing every problem
 */
export function parseSeed(data: unknown, source = 'seed'): Seed {
  const result = seedSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const path = issue.path
        .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
        .join('')
        .replace(/^\./, '');
      return `${path || '(root)'}: ${issue.message}`;
    });
    throw seedError(source, problems);
  }
  const seed = result.data;
  const problems = [
    ...duplicates(
      seed.credentials.map((c) => c.accessKey),
      'credentials',
      'access key',
    ),
    ...duplicates(seed.regions, 'regions', 'region'),
    ...duplicates(seed.buckets, 'buckets', 'bucket'),
    ...duplicates(
      seed.instances.flatMap((i) => [
        `${i.api} ${i.instanceNo}`,
        ...(i.listedByVcache ? [`vcache ${i.instanceNo}`] : []),
      ]),
      'instances',
      'instance',
    ),
  ];
  seed.instances.forEach((instance, i) => {
    if (instance.engine === 'Valkey' && instance.api !== 'vcache') {
      problems.push(`instances[${i}].engine: Valkey instances are vcache's only`);
    }
    if (instance.listedByVcache && instance.api !== 'vredis') {
      problems.push(
        `instances[${i}].listedByVcache: only a vredis instance can be listed by vcache too`,
      );
    }
    if (!seed.regions.includes(instance.regionCode)) {
      problems.push(
        `instances[${i}].regionCode: "${instance.regionCode}" is not one of the seed's regions (${seed.regions.join(', ')})`,
      );
    }
    problems.push(
      ...duplicates(
        instance.backups.map((b) => `${b.type} ${b.fileName}`),
        `instances[${i}].backups`,
        'backup',
      ),
    );
  });
  if (problems.length > 0) throw seedError(source, problems);
  return seed;
}

/**
 * Reads and checks a seed JSON file.
 * @throws SeedError when the file cannot be read, is not JSON, or is not a valid seed
 */
export async function loadSeed(path: string): Promise<Seed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SeedError(`cannot read seed file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SeedError(`seed file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseSeed(data, `seed file ${path}`);
}

/** Options of {@link generateSeed}. Only `instances` is required. */
export interface GenerateSeedOptions {
  /** How many instances to make. */
  instances: number;
  /** Families, assigned round-robin. @defaultValue ['vredis', 'vcache'] */
  apis?: ApiFamily[];
  /** Regions, assigned round-robin; the first is the default. @defaultValue ['KR'] */
  regions?: string[];
  /** Buckets that exist. @defaultValue ['cache-backup', 'cache-backup-archive'] */
  buckets?: string[];
  /** SYSTEM backups per instance, one per day back from `lastBackupDate`. @defaultValue 2 */
  systemBackups?: number;
  /** MANUAL backups per instance. @defaultValue 1 */
  manualBackups?: number;
  /** Number of the first instance; the others follow. @defaultValue 1000001 */
  firstInstanceNo?: number;
  /** Day of the newest SYSTEM backup, `YYYY-MM-DD`. @defaultValue '2024-07-02' */
  lastBackupDate?: string;
  /** Accepted key pairs. @defaultValue [DEFAULT_CREDENTIALS] */
  credentials?: SeedCredential[];
  /** See {@link Seed.vcacheFileNames}. @defaultValue true */
  vcacheFileNames?: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Makes a deterministic seed of any size. Instance `k` (from 0) is number
 * `firstInstanceNo + k`, family `apis[k % apis.length]`, region `regions[k % regions.length]`;
 * its SYSTEM backups are named `YYYYMMDD` (newest first) and its MANUAL backups
 * `manual-<instanceNo>-<n>` (n from 1).
 */
export function generateSeed(options: GenerateSeedOptions): Seed {
  const apis = options.apis ?? ['vredis', 'vcache'];
  const regions = options.regions ?? ['KR'];
  const systemCount = options.systemBackups ?? 2;
  const manualCount = options.manualBackups ?? 1;
  const first = options.firstInstanceNo ?? 1_000_001;
  const last = Date.parse(`${options.lastBackupDate ?? '2024-07-02'}T03:00:00Z`);
  if (!Number.isInteger(options.instances) || options.instances < 0) {
    throw new SeedError(`generateSeed: instances must be a whole number >= 0`);
  }
  if (apis.length === 0 || regions.length === 0) {
    throw new SeedError('generateSeed: apis and regions must not be empty');
  }
  if (Number.isNaN(last)) throw new SeedError('generateSeed: lastBackupDate must be YYYY-MM-DD');
  const instances: SeedInstance[] = [];
  for (let k = 0; k < options.instances; k++) {
    const instanceNo = String(first + k);
    const backups: SeedBackup[] = [];
    for (let d = 0; d < systemCount; d++) {
      const start = last - d * DAY_MS;
      const fileName = new Date(start).toISOString().slice(0, 10).replaceAll('-', '');
      backups.push(backup(fileName, 'SYSTEM', start, k));
    }
    for (let n = 1; n <= manualCount; n++) {
      backups.push(backup(`manual-${instanceNo}-${n}`, 'MANUAL', last + n * 3_600_000, k));
    }
    instances.push({
      api: apis[k % apis.length]!,
      instanceNo,
      regionCode: regions[k % regions.length]!,
      name: `cache-${instanceNo}`,
      backups,
    });
  }
  return parseSeed(
    {
      credentials: options.credentials ?? [{ ...DEFAULT_CREDENTIALS }],
      regions: [...regions],
      buckets: options.buckets ?? ['cache-backup', 'cache-backup-archive'],
      instances,
      ...(options.vcacheFileNames === undefined
        ? {}
        : { vcacheFileNames: options.vcacheFileNames }),
    },
    'generated seed',
  );
}

function backup(fileName: string, type: SeedBackup['type'], start: number, k: number): SeedBackup {
  return {
    fileName,
    type,
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 90_000).toISOString(),
    backupSize: 1_048_576 * (1 + (k % 7)),
  };
}

function duplicates(values: string[], where: string, what: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const value of values) {
    if (seen.has(value)) problems.push(`${where}: duplicate ${what} "${value}"`);
    seen.add(value);
  }
  return problems;
}

function seedError(source: string, problems: string[]): SeedError {
  return new SeedError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
}
