/**
 * Public types of the NCP API gateway emulator: its options, its handle and what it records.
 */

import type { ApiFamily } from './families.ts';
import type { GatewayModel } from './gateway-models.ts';
import type { LandingSettings, ObjectStorage } from './object-storage/server.ts';
import type { Seed } from './seed.ts';

/** Every fault the emulator can inject, in the order their probability intervals are laid out. */
export const FAULT_NAMES = [
  'http500',
  'http503',
  'http504',
  'service1000',
  'reset',
  'slow',
  'malformed',
  'throttle',
] as const;

/**
 * A fault injected into a request that passed auth and the rate limit:
 * - `http500`: HTTP 500, gateway errorCode 900 "Unexpected Error";
 * - `http503`: HTTP 503, gateway errorCode 500 "Endpoint Error";
 * - `http504`: HTTP 504, gateway errorCode 510 "Endpoint Timeout";
 * - `service1000`: HTTP 500, service `responseError` with returnCode 1000 ("try again later");
 * - `reset`: the TCP connection is reset without an answer;
 * - `slow`: the answer is delayed by `slowMs`, then given normally;
 * - `malformed`: HTTP 200 with a truncated body;
 * - `throttle`: HTTP 429, gateway errorCode 420, as if the rate limit had been hit (the request
 *   already passed the rate limit, so it still takes its slot in the window).
 */
export type FaultName = (typeof FAULT_NAMES)[number];

/** Faults to inject. Replaced as a whole by {@link Emulator.configure}. */
export interface FaultConfig {
  /**
   * Probability of each fault per request. One draw `u = random()` per request decides:
   * the faults occupy consecutive intervals of [0, 1) in {@link FAULT_NAMES} order, so each
   * fault happens with exactly its probability. The sum must not exceed 1.
   * @defaultValue no faults
   */
  probability?: Partial<Record<FaultName, number>>;
  /**
   * Faults for the next requests that reach the fault stage, consumed in order before any
   * probability is drawn; `'none'` lets one request through untouched.
   * @defaultValue []
   */
  schedule?: Array<FaultName | 'none'>;
  /**
   * Delay of a `slow` answer, in milliseconds.
   * @defaultValue 15000
   */
  slowMs?: number;
}

/** How a 429 tells the client when to come back. */
export type RetryAfterMode = 'none' | number | 'date';

/** Options of {@link startEmulator}. Only `seed` is required. */
export interface EmulatorOptions {
  /**
   * TCP port; 0 picks any free port.
   * @defaultValue 0
   */
  port?: number;
  /**
   * Interface to listen on.
   * @defaultValue '127.0.0.1'
   */
  host?: string;
  /** Credentials, regions, buckets, instances and their backups. */
  seed: Seed;
  /**
   * Gateway throttle: the most requests admitted within any sliding window of `windowMs`.
   * Two requests share a window when their arrival times differ by less than `windowMs`.
   * `null` or absent: no limit.
   * @defaultValue null
   */
  rateLimit?: number | null;
  /**
   * `Retry-After` on a 429: absent (`'none'`), delta-seconds (a number), or an HTTP-date
   * (`'date'`, taken from the gateway clock, rounded up to the second when a slot frees).
   * @defaultValue 'none'
   */
  retryAfter?: RetryAfterMode;
  /**
   * How the gateway counts toward `rateLimit` (see `gateway-models.ts`): `sliding` window,
   * `token-bucket` (refilled at `rateLimit`/s, holding `burst` tokens), or `fixed` calendar
   * seconds.
   * @defaultValue 'sliding'
   */
  gateway?: GatewayModel;
  /**
   * Tokens a `token-bucket` gateway holds: the most requests it admits at once.
   * @defaultValue 1
   */
  burst?: number;
  /**
   * Transit jitter: each request reaches the gateway after a uniformly random delay of
   * 0 to `jitterMs` ms (as calls crossing a network would), before it is counted.
   * @defaultValue 0
   */
  jitterMs?: number;
  /** Faults to inject. @defaultValue none */
  faults?: FaultConfig;
  /**
   * Delay added before every API answer (not the admin routes), in milliseconds.
   * @defaultValue 0
   */
  latencyMs?: number;
  /**
   * The gateway's clock is `Date.now() + clockOffsetMs`; used for the timestamp check.
   * @defaultValue 0
   */
  clockOffsetMs?: number;
  /**
   * Source of the fault draws, for reproducible runs.
   * @defaultValue Math.random
   */
  random?: () => number;
  /**
   * Length of the sliding window of the rate limit and of the per-window maxima, in
   * milliseconds. For tests that cannot afford whole seconds; keep the default elsewhere.
   * @defaultValue 1000
   */
  windowMs?: number;
  /**
   * Runs the Object Storage stand-in beside the gateway, on a port of its own: each accepted
   * export lands there as an object (see `object-storage/server.ts`). @defaultValue not run
   */
  objectStorage?: (LandingSettings & { port?: number }) | undefined;
  /**
   * Time from a manual backup's create call until its file shows up in the manual backup
   * detail list, in milliseconds.
   * @defaultValue 2000
   */
  manualBackupDelayMs?: number;
  /**
   * Fault: the share (0 to 1) of manual backups whose file never shows up (drawn per create).
   * @defaultValue 0
   */
  manualBackupNeverRate?: number;
}

/** What {@link Emulator.configure} may change while the emulator runs. */
export type EmulatorPatch = Partial<
  Pick<
    EmulatorOptions,
    | 'rateLimit'
    | 'retryAfter'
    | 'gateway'
    | 'burst'
    | 'jitterMs'
    | 'faults'
    | 'latencyMs'
    | 'clockOffsetMs'
    | 'manualBackupDelayMs'
    | 'manualBackupNeverRate'
  >
>;

/** Counters since start or the last {@link Emulator.reset}. */
export interface EmulatorStats {
  /** Every request outside the admin routes, whatever its answer (unknown paths included). */
  requests: number;
  /** Exports accepted (success answer). */
  accepted: number;
  /** 429s, from the rate limit or the `throttle` fault. */
  throttled: number;
  /** 401s: missing or invalid headers, bad signature, stale timestamp, unknown access key. */
  badSignatures: number;
  /** Service errors for missing, unknown or invalid parameters, and oversized bodies (413). */
  invalid: number;
  /** 404s for unknown paths or methods. */
  notFound: number;
  /** How often each fault was injected. */
  faults: Record<FaultName, number>;
  /** Most requests (all counted in `requests`) that arrived within any sliding window. */
  maxPerSecond: number;
  /** Most accepted exports within any sliding window, timed at acceptance. */
  maxAcceptedPerSecond: number;
  /** Accepted exports whose (api, region, instance, type, file, bucket) was accepted before. */
  duplicates: number;
  /** Manual backups created (success answers of `createCloud…ManualBackup`). */
  manualBackupsCreated: number;
  /**
   * Create calls that reached the action (past auth, rate limit, faults and parameter checks),
   * whatever their answer: a second create while one is in progress counts here, not above.
   */
  manualBackupCreateCalls: number;
}

/** One manual backup created by `createCloudRedisManualBackup` / `createCloudCacheManualBackup`. */
export interface CreatedBackup {
  api: ApiFamily;
  regionCode: string;
  instanceNo: string;
  /** The file it becomes (NCP's answer does not name it; the manual list will). */
  fileName: string;
  /** Made never to appear (the `manualBackupNeverRate` fault). */
  never: boolean;
  /** When it was created, ms since epoch. */
  at: number;
}

/** One accepted export call. */
export interface AcceptedExport {
  api: ApiFamily;
  /** The region the call resolved to (the seed's first region when none was sent). */
  regionCode: string;
  instanceNo: string;
  fileName: string;
  bucketName: string;
  backupTypeMode: 'SYSTEM' | 'MANUAL';
  requestId: string;
  /** When it was accepted, ms since epoch (real clock, without `clockOffsetMs`). */
  at: number;
}

/** A running emulator. */
export interface Emulator {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  stats(): EmulatorStats;
  /** Every accepted export, in order, duplicates included. */
  exports(): AcceptedExport[];
  /** Every manual backup created, in order. */
  manualBackups(): CreatedBackup[];
  /** The Object Storage stand-in, when `objectStorage` was given. */
  objectStorage?: ObjectStorage | undefined;
  /** Changes settings at run time; `faults` replaces the whole fault configuration. */
  configure(patch: EmulatorPatch): void;
  /** Clears stats, exports and sliding windows; keeps the seed and the configuration. */
  reset(): void;
  /** Closes the server and every open socket, aborting delayed answers. */
  close(): Promise<void>;
}
