/**
 * Generators shared by the fuzz tests (test/unit/fuzz-*.test.ts, test/integration/fuzz-*.test.ts):
 * valid export requests, and adversarial values for every field and every input format.
 */
import fc from 'fast-check';
import type { ApiFamily, ExportRequest, ExportRequestInput } from '../../shared/contract.ts';

/** Pieces of hostile text: query syntax, controls, escapes, odd Unicode, formula and JNDI bait. */
export const NASTY_PIECES = [
  '&',
  '?',
  '/',
  '#',
  '%',
  '=',
  '+',
  ' ',
  ';',
  '~',
  ':',
  '"',
  "'",
  ',',
  '<',
  '>',
  '\\',
  '\u0000',
  '\n',
  '\r',
  '\t',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\ud800',
  '\udfff',
  '한',
  '🙂',
  '%26',
  '%00',
  '..',
  '&x=1',
  '?a=b#c',
  "=cmd|' /C calc'!A0",
  '@SUM(1+1)',
  '\u0024{jndi:ldap://x/a}',
  '__proto__',
  'constructor',
] as const;

/** Short hostile strings, any Unicode, and (rarely) very long ones. */
/** True when `text` holds a lone surrogate (no UTF-8 form). */
export function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_PIECES), maxLength: 6 }) },
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.oneof(
        fc.constantFrom(...NASTY_PIECES),
        fc.constantFrom('a', 'Z', '0', '-', '.', '_'),
      ),
      maxLength: 12,
    }),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(10_000, 300_000).map((n) => 'a'.repeat(n)) },
);

/** Keys that poison prototypes or shadow Object's own members. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
];

export const validApi = fc.constantFrom<ApiFamily>('vredis', 'vcache');
export const validInstanceNo = fc.stringMatching(/^[0-9]{1,20}$/);
export const validFileName = fc
  .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,40}$/)
  .filter((name) => name.length <= 255);
export const validBucketName = fc
  .stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/)
  .filter((name) => !name.includes('..') && !/^\d{1,3}(\.\d{1,3}){3}$/.test(name));
export const validType = fc.constantFrom<'SYSTEM' | 'MANUAL'>('SYSTEM', 'MANUAL');
export const validRegion = fc.stringMatching(/^[A-Z]{2,8}$/);
export const validMeta = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
  .filter((meta) => !JSON.stringify(meta).includes('"__proto__"'))
  .map((meta) => meta as NonNullable<ExportRequestInput['meta']>);

/** A request the contract accepts, as a producer may write it (optional fields may be absent). */
export const validRequest: fc.Arbitrary<ExportRequestInput> = fc.record(
  {
    api: validApi,
    instanceNo: validInstanceNo,
    fileName: validFileName,
    bucketName: validBucketName,
    backupTypeMode: validType,
    regionCode: validRegion,
    meta: validMeta,
  },
  { requiredKeys: ['api', 'instanceNo', 'fileName', 'bucketName'] },
);

/** What the contract gives back for a valid request: the SYSTEM default applied. */
export function normalized(input: ExportRequestInput): ExportRequest {
  return { ...input, backupTypeMode: input.backupTypeMode ?? 'SYSTEM' };
}

/** Any value a field could hold in JSON or in JS: nasty strings, wrong types, nesting. */
export const anyFieldValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

/**
 * A request object where each field is, independently, valid, hostile, or missing, plus
 * (sometimes) extra keys named after prototype members.
 */
export const mixedRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record(
      {
        api: fc.oneof(validApi, anyFieldValue),
        instanceNo: fc.oneof(validInstanceNo, anyFieldValue),
        fileName: fc.oneof(validFileName, anyFieldValue),
        bucketName: fc.oneof(validBucketName, anyFieldValue),
        backupTypeMode: fc.oneof(validType, anyFieldValue),
        regionCode: fc.oneof(validRegion, anyFieldValue),
        meta: fc.oneof(validMeta, anyFieldValue),
      },
      { requiredKeys: [] },
    ),
    fc.subarray(PROTOTYPE_KEYS, { maxLength: 2 }),
    anyFieldValue,
  )
  .map(([fields, extraKeys, extraValue]) => {
    const data: Record<string, unknown> = { ...fields };
    for (const key of extraKeys) {
      // An own property even for __proto__, as JSON.parse makes it.
      Object.defineProperty(data, key, { value: extraValue, enumerable: true, writable: true });
    }
    return data;
  });
