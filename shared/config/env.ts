/** Reading the environment: the variable readers every section uses, and their one error. */
import { readFileSync } from 'node:fs';
import { checkApiOrigin } from '../urls.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/** An http(s) origin (plain http only on a loopback host), as NCP_API_URL is checked. */
export function optionalUrl(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const checked = checkApiOrigin(value, plainHttpHosts(env));
  if ('problem' in checked) throw new ConfigError(name, checked.problem);
  return checked.origin;
}

/**
 * ALLOW_PLAIN_HTTP_HOSTS: hosts NCP_API_URL and OBJECT_STORAGE_URL may reach over plain http
 * besides loopback ones, comma-separated: for a private network only (the compose demo's
 * emulator). Signatures and keys cross it unencrypted.
 */
export function plainHttpHosts(env: Env): string[] {
  return (env.ALLOW_PLAIN_HTTP_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
}

export const DURATION = /^([1-9][0-9]{0,6})(s|m|h|d)$/;

export const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds in a duration such as `90s`, `30m`, `26h` or `7d`; undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNIT_MS[match[2] as keyof typeof DURATION_UNIT_MS];
}

/** Reads `NAME`, or the file named by `NAME_FILE` (container secrets), but not both. */
export function secret(env: Env, name: string): string {
  const value = optionalSecret(env, name);
  if (value === undefined) {
    throw new ConfigError(name, `is required (or ${name}_FILE naming a file that holds it)`);
  }
  return value;
}

/** Like {@link secret}, but undefined when neither `NAME` nor `NAME_FILE` is set. */
export function optionalSecret(env: Env, name: string): string | undefined {
  const fileVar = `${name}_FILE`;
  const direct = env[name];
  const file = env[fileVar];
  if (direct && file) {
    throw new ConfigError(name, `is set together with ${fileVar}; set only one`);
  }
  if (file) {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(fileVar, `cannot read ${file} (${reason})`);
    }
    const value = content.trim();
    if (!value) throw new ConfigError(fileVar, `file ${file} is empty`);
    return value;
  }
  return direct?.trim() || undefined;
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `is "${value}", expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function optionalMatch(
  env: Env,
  name: string,
  pattern: RegExp,
  expected: string,
): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!pattern.test(value)) throw new ConfigError(name, `is "${value}", expected ${expected}`);
  return value;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, `is "${env[name]}", expected true or false`);
}

export interface Bounds {
  min?: number;
  max?: number;
}

export function integer(env: Env, name: string, fallback: number, bounds: Bounds): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `is "${value}", expected an integer`);
  return inBounds(name, Number(value), bounds);
}

export function decimal(env: Env, name: string, fallback: number, bounds: Bounds): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new ConfigError(name, `is "${value}", expected a number such as 10 or 2.5`);
  }
  return inBounds(name, Number(value), bounds);
}

export function inBounds(name: string, value: number, { min, max }: Bounds): number {
  if (min !== undefined && value < min) {
    throw new ConfigError(name, `is ${value}, must be at least ${min}`);
  }
  if (max !== undefined && value > max) {
    throw new ConfigError(name, `is ${value}, must be at most ${max}`);
  }
  return value;
}
