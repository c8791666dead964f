/**
 * Command line of the sandbox (`npm run sandbox -- …`), parsed with node:util parseArgs.
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_MODELS, type GatewayModel } from './gateway-models.ts';
import type { LandingSettings } from './object-storage/server.ts';
import { FAULT_NAMES, type FaultName, type RetryAfterMode } from './types.ts';

/** A command line the sandbox cannot run. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'ERR_EMULATOR_USAGE';
}

/** What the command line asks for. */
export interface SandboxArgs {
  port: number;
  host: string;
  seedPath: string;
  rateLimit: number | null;
  retryAfter: RetryAfterMode;
  gateway: GatewayModel;
  burst: number;
  jitterMs: number;
  probability: Partial<Record<FaultName, number>>;
  schedule: Array<FaultName | 'none'>;
  slowMs: number | undefined;
  latencyMs: number;
  clockOffsetMs: number;
  /** From a manual backup's create call to its file in the manual list. */
  manualBackupDelayMs: number;
  /** Share of manual backups that never appear. */
  manualBackupNeverRate: number;
  /** The Object Storage stand-in: its port, and how exports land; undefined with --no-storage. */
  storage: (LandingSettings & { port: number }) | undefined;
}

/** The example seed shipped beside this file. */
export const EXAMPLE_SEED = fileURLToPath(new URL('./seed.example.json', import.meta.url));

export const USAGE = `Usage: npm run sandbox -- [options]

Runs the NCP API gateway emulator (exportBackupToObjectStorage of vredis and vcache).

  --port <n>              TCP port, 0 for any free one (default 8080)
  --host <address>        interface to listen on (default 127.0.0.1)
  --seed <file>           seed JSON (default test/emulator/seed.example.json)
  --rate <n>              admit at most n requests in any sliding second (default: no limit)
  --retry-after <value>   Retry-After on 429: none, <seconds> or date (default none)
  --gateway <model>       how the rate limit counts: sliding (any 1 s window), token-bucket
                          (refilled at --rate/s, --burst tokens) or fixed (calendar seconds)
                          (default sliding)
  --burst <n>             tokens of the token-bucket gateway (default 1)
  --jitter <ms>           transit jitter: each request arrives 0..ms late (default 0)
  --fault <name>=<p>      inject a fault with probability p (0..1); repeatable
  --schedule <a,b,...>    faults for the first requests, in order ('none' to skip one)
  --slow-ms <ms>          delay of the 'slow' fault (default 15000)
  --latency <ms>          added to every answer (default 0)
  --clock-offset <ms>     the gateway clock runs this far ahead (behind: --clock-offset=-60000)
  --manual-backup-delay <ms>  from a manual backup's create call to its file in the manual
                          backup list (default 2000)
  --manual-backup-never <p>   share of manual backups that never appear (default 0)
  --storage-port <n>      port of the Object Storage stand-in where exports land (default
                          --port + 1; 0 for any free one)
  --no-storage            run no Object Storage stand-in
  --landing-delay <ms>    from acceptance to the object's first bytes (default 2000)
  --landing-grow <ms>     from first bytes to full size (default 3000)
  --landing-never <p>     share of exports that never land (default 0)
  --landing-truncated <p> share of exports that stop at half their size (default 0)
  --landing-key <tmpl>    object key: {api} {region} {instanceNo} {fileName} {backupTypeMode}
                          {date} (default {instanceNo}/{fileName})
  --help                  show this text

Faults: ${FAULT_NAMES.join(', ')}.`;

/**
 * Parses the sandbox's arguments (without `node` and the script).
 * @returns the settings, or `'help'` when help was asked for
 * @throws CliUsageError with a message naming the bad argument
 */
export function parseSandboxArgs(argv: string[]): SandboxArgs | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const port = integer('--port', values.port ?? '8080', 0, 65_535);
  return {
    port,
    host: values.host ?? '127.0.0.1',
    seedPath: values.seed ?? EXAMPLE_SEED,
    rateLimit: values.rate === undefined ? null : integer('--rate', values.rate, 1),
    retryAfter: retryAfter(values['retry-after'] ?? 'none'),
    gateway: gatewayModel(values.gateway ?? 'sliding'),
    burst: integer('--burst', values.burst ?? '1', 1),
    jitterMs: integer('--jitter', values.jitter ?? '0'),
    probability: probabilities(values.fault ?? []),
    schedule: schedule(values.schedule),
    slowMs: values['slow-ms'] === undefined ? undefined : integer('--slow-ms', values['slow-ms']),
    latencyMs: integer('--latency', values.latency ?? '0'),
    clockOffsetMs: integer('--clock-offset', values['clock-offset'] ?? '0', -1e12),
    manualBackupDelayMs: integer('--manual-backup-delay', values['manual-backup-delay'] ?? '2000'),
    manualBackupNeverRate: share('--manual-backup-never', values['manual-backup-never'] ?? '0'),
    storage: values['no-storage'] ? undefined : storage(values, port),
  };
}

function storage(
  values: ReturnType<typeof parse>['values'],
  port: number,
): LandingSettings & { port: number } {
  const never = share('--landing-never', values['landing-never'] ?? '0');
  const truncated = share('--landing-truncated', values['landing-truncated'] ?? '0');
  if (never + truncated > 1) {
    throw new CliUsageError('--landing-never and --landing-truncated add up to more than 1');
  }
  return {
    port: integer(
      '--storage-port',
      values['storage-port'] ?? String(port === 0 ? 0 : port + 1),
      0,
      65_535,
    ),
    delayMs: integer('--landing-delay', values['landing-delay'] ?? '2000'),
    growMs: integer('--landing-grow', values['landing-grow'] ?? '3000'),
    neverRate: never,
    truncatedRate: truncated,
    keyTemplate: values['landing-key'] ?? '{instanceNo}/{fileName}',
  };
}

function share(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new CliUsageError(`${flag} must be a share from 0 to 1, got "${text}"`);
  }
  return value;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      'retry-after': { type: 'string' },
      gateway: { type: 'string' },
      burst: { type: 'string' },
      jitter: { type: 'string' },
      fault: { type: 'string', multiple: true },
      schedule: { type: 'string' },
      'slow-ms': { type: 'string' },
      latency: { type: 'string' },
      'clock-offset': { type: 'string' },
      'manual-backup-delay': { type: 'string' },
      'manual-backup-never': { type: 'string' },
      'storage-port': { type: 'string' },
      'no-storage': { type: 'boolean' },
      'landing-delay': { type: 'string' },
      'landing-grow': { type: 'string' },
      'landing-never': { type: 'string' },
      'landing-truncated': { type: 'string' },
      'landing-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function integer(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new CliUsageError(`${flag} must be a whole number ${range}, got "${text}"`);
  }
  return value;
}

function retryAfter(text: string): RetryAfterMode {
  if (text === 'none' || text === 'date') return text;
  if (/^[0-9]+$/.test(text)) return Number(text);
  throw new CliUsageError(`--retry-after must be none, a number of seconds or date, got "${text}"`);
}

function gatewayModel(text: string): GatewayModel {
  const model = GATEWAY_MODELS.find((m) => m === text);
  if (model === undefined) {
    throw new CliUsageError(`--gateway must be one of ${GATEWAY_MODELS.join(', ')}, got "${text}"`);
  }
  return model;
}

function faultName(text: string, flag: string): FaultName {
  const name = FAULT_NAMES.find((n) => n === text);
  if (name === undefined) {
    throw new CliUsageError(`${flag}: unknown fault "${text}" (one of ${FAULT_NAMES.join(', ')})`);
  }
  return name;
}

function probabilities(specs: string[]): Partial<Record<FaultName, number>> {
  const result: Partial<Record<FaultName, number>> = {};
  for (const spec of specs) {
    const match = /^([a-z0-9]+)=([0-9]*\.?[0-9]+)$/.exec(spec);
    if (!match) throw new CliUsageError(`--fault must look like name=probability, got "${spec}"`);
    const name = faultName(match[1]!, '--fault');
    const p = Number(match[2]);
    if (p > 1) throw new CliUsageError(`--fault ${name}: probability must be from 0 to 1`);
    if (name in result) throw new CliUsageError(`--fault ${name} given more than once`);
    result[name] = p;
  }
  const sum = Object.values(result).reduce((a, b) => a + b, 0);
  if (sum > 1 + 1e-9)
    throw new CliUsageError(`--fault probabilities add up to ${sum}, more than 1`);
  return result;
}

function schedule(text: string | undefined): Array<FaultName | 'none'> {
  if (text === undefined || text === '') return [];
  return text.split(',').map((part) => {
    const name = part.trim();
    return name === 'none' ? 'none' : faultName(name, '--schedule');
  });
}
