/** Parsing of the flags commands share: filters of `results` and `retry`, numbers, choices. */

import { ERROR_KINDS, type ErrorKind } from '../../shared/contract-core.ts';
import { CliError, EXIT } from '../context.ts';

export function parseSince(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new CliError(
      `--since: "${text}" is not an ISO date such as 2026-11-26 or 2026-11-26T03:00:00Z`,
      EXIT.badInput,
    );
  }
  return date;
}

export function parseKinds(text: string | undefined): Set<ErrorKind> | undefined {
  if (text === undefined) return undefined;
  const kinds = text
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  const unknown = kinds.filter((kind) => !(ERROR_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new CliError(
      `--kind: "${unknown.join(',') || text}" is not one of ${ERROR_KINDS.join(', ')}`,
      EXIT.badInput,
    );
  }
  return new Set(kinds as ErrorKind[]);
}

export function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new CliError(`${flag}: "${value}" is not one of ${choices.join(', ')}`, EXIT.badInput);
  }
  return value as T;
}

/** A whole number from `min` to `max`, or a usage error naming the flag. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(
      `${flag}: "${text}" must be a whole number from ${min} to ${max}`,
      EXIT.badInput,
    );
  }
  return value;
}
