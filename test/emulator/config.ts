/**
 * Emulator settings: defaults merged once, then checked with a plain message, at start and
 * on every run-time patch (from code or from `POST /__admin/config`).
 */
import { z } from 'zod';
import { GATEWAY_MODELS, type GatewayModel } from './gateway-models.ts';
import {
  type EmulatorOptions,
  type EmulatorPatch,
  FAULT_NAMES,
  type FaultName,
  type RetryAfterMode,
} from './types.ts';

/** An option or patch the emulator cannot use. */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
  readonly code = 'ERR_EMULATOR_CONFIG';
}

/** Fault settings with defaults applied. */
export interface ResolvedFaults {
  probability: Partial<Record<FaultName, number>>;
  schedule: Array<FaultName | 'none'>;
  slowMs: number;
}

/** The settings {@link EmulatorPatch} can change, with defaults applied. */
export interface RuntimeSettings {
  rateLimit: number | null;
  retryAfter: RetryAfterMode;
  gateway: GatewayModel;
  burst: number;
  jitterMs: number;
  faults: ResolvedFaults;
  latencyMs: number;
  clockOffsetMs: number;
  manualBackupDelayMs: number;
  manualBackupNeverRate: number;
}

/** Every option resolved. */
export interface ResolvedOptions {
  port: number;
  host: string;
  windowMs: number;
  random: () => number;
  settings: RuntimeSettings;
}

export const DEFAULT_SLOW_MS = 15_000;
/** Time until a created manual backup shows up in the manual list. */
export const DEFAULT_MANUAL_BACKUP_DELAY_MS = 2000;

const faultName = z.enum(FAULT_NAMES);
const nonNegative = z.number().finite().nonnegative();

const faultsSchema = z.strictObject({
  probability: z
    .partialRecord(faultName, z.number().min(0).max(1))
    .refine(
      (p) => Object.values(p).reduce<number>((sum, v) => sum + (v ?? 0), 0) <= 1 + 1e-9,
      'the probabilities must add up to at most 1',
    )
    .optional(),
  schedule: z.array(z.union([faultName, z.literal('none')])).optional(),
  slowMs: nonNegative.optional(),
});

const patchSchema = z.strictObject({
  rateLimit: z.int().positive().nullable().optional(),
  retryAfter: z.union([z.literal('none'), z.literal('date'), z.int().nonnegative()]).optional(),
  gateway: z.enum(GATEWAY_MODELS).optional(),
  burst: z.int().positive().optional(),
  jitterMs: nonNegative.optional(),
  faults: faultsSchema.optional(),
  latencyMs: nonNegative.optional(),
  clockOffsetMs: z.number().finite().optional(),
  manualBackupDelayMs: nonNegative.optional(),
  manualBackupNeverRate: z.number().min(0).max(1).optional(),
});

const startSchema = z.object({
  port: z.int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  windowMs: z.number().finite().positive().optional(),
  random: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
});

/**
 * Checks a patch from untrusted input (e.g. JSON). A key that is present with the value
 * `undefined` resets that setting to its default.
 * @throws EmulatorConfigError naming every bad field
 */
export function parsePatch(input: unknown, source = 'configure()'): EmulatorPatch {
  const result = patchSchema.safeParse(input);
  if (!result.success) throw configError(source, result.error);
  return result.data as EmulatorPatch;
}

/** The settings after `patch` (already checked); `faults` replaces the fault settings whole. */
export function applyPatch(current: RuntimeSettings, patch: EmulatorPatch): RuntimeSettings {
  const next = { ...current };
  if ('rateLimit' in patch) next.rateLimit = patch.rateLimit ?? null;
  if ('retryAfter' in patch) next.retryAfter = patch.retryAfter ?? 'none';
  if ('gateway' in patch) next.gateway = patch.gateway ?? 'sliding';
  if ('burst' in patch) next.burst = patch.burst ?? 1;
  if ('jitterMs' in patch) next.jitterMs = patch.jitterMs ?? 0;
  if ('latencyMs' in patch) next.latencyMs = patch.latencyMs ?? 0;
  if ('clockOffsetMs' in patch) next.clockOffsetMs = patch.clockOffsetMs ?? 0;
  if ('manualBackupDelayMs' in patch) {
    next.manualBackupDelayMs = patch.manualBackupDelayMs ?? DEFAULT_MANUAL_BACKUP_DELAY_MS;
  }
  if ('manualBackupNeverRate' in patch) {
    next.manualBackupNeverRate = patch.manualBackupNeverRate ?? 0;
  }
  if ('faults' in patch) {
    next.faults = {
      probability: { ...patch.faults?.probability },
      schedule: [...(patch.faults?.schedule ?? [])],
      slowMs: patch.faults?.slowMs ?? DEFAULT_SLOW_MS,
    };
  }
  return next;
}

/**
 * Merges the defaults into the options of {@link startEmulator} and checks them
 * (the seed is checked separately).
 * @throws EmulatorConfigError naming every bad option
 */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const { port, host, windowMs, random, seed: _seed, objectStorage: _storage, ...patch } = options;
  const start = startSchema.safeParse({ port, host, windowMs, random });
  if (!start.success) throw configError('EmulatorOptions', start.error);
  const initial: RuntimeSettings = {
    rateLimit: null,
    retryAfter: 'none',
    gateway: 'sliding',
    burst: 1,
    jitterMs: 0,
    faults: { probability: {}, schedule: [], slowMs: DEFAULT_SLOW_MS },
    latencyMs: 0,
    clockOffsetMs: 0,
    manualBackupDelayMs: DEFAULT_MANUAL_BACKUP_DELAY_MS,
    manualBackupNeverRate: 0,
  };
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return {
    port: port ?? 0,
    host: host ?? '127.0.0.1',
    windowMs: windowMs ?? 1000,
    random: random ?? Math.random,
    settings: applyPatch(initial, parsePatch(defined, 'EmulatorOptions')),
  };
}

function configError(source: string, error: z.ZodError): EmulatorConfigError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
  return new EmulatorConfigError(`${source} is invalid: ${problems.join('; ')}`);
}
