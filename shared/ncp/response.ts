/**
 * Reading and classifying NCP answers. Pure: no I/O, no clock (the caller passes `now`).
 *
 * Shapes understood, in JSON or XML (sniffed from the body, not from what was asked for):
 * - success: `{"<action>Response":{"requestId","returnCode":"0","returnMessage",...}}`;
 * - gateway error: `{"error":{"errorCode":"210","message":"...","details":...}}` (JSON even when
 *   XML was asked; `errorCode` may be a number);
 * - service error: `{"responseError":{"returnCode":"1007009","returnMessage":"..."}}`, or with
 *   `responseCode`/`responseMessage` as some NCP services spell it.
 */

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ErrorKind } from '../contract.ts';
import { DEFAULT_RETRYABLE_CODES } from '../defaults.ts';
import { isRecord } from '../json.ts';
import { NcpError } from './errors.ts';

/** A successful NCP answer. */
export interface NcpResponse {
  httpStatus: number;
  /** NCP's requestId; empty if the answer carried none. */
  requestId: string;
  /** Always `"0"` for a success. */
  returnCode: string;
  returnMessage: string;
  /** The inner `<action>Response` object, values as NCP sent them (XML: all strings). */
  body: Record<string, unknown>;
}

/** Response headers as undici gives them (lower-case names). */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** One answer to classify. */
export interface NcpAnswer {
  /** The action called, e.g. `exportBackupToObjectStorage`: names the success element. */
  action: string;
  httpStatus: number;
  headers: ResponseHeaders;
  body: string;
  /** When the answer arrived (ms since epoch): the reference for an HTTP-date `Retry-After`. */
  now: number;
  /**
   * Service codes (`returnCode`) that mean "busy, try again": kind `server`, retried.
   * @defaultValue {@link DEFAULT_RETRYABLE_CODES}
   */
  retryableCodes?: ReadonlySet<string> | undefined;
}

export { DEFAULT_RETRYABLE_CODES } from '../defaults.ts';

export type ParsedNcpResponse =
  | { ok: true; response: NcpResponse }
  | { ok: false; error: NcpError };

interface Parts {
  code: string | undefined;
  message: string | undefined;
  requestId: string | undefined;
}

type Shape =
  | ({ type: 'success'; inner: Record<string, unknown> } & Parts)
  | ({ type: 'gateway' } & Parts)
  | ({ type: 'service' } & Parts)
  | { type: 'none'; code: 'MALFORMED_BODY' | 'UNEXPECTED_BODY' };

const MESSAGE_MAX = 300;
/** Codes and request ids go into outcome records and tables: keep them short and on one line. */
const CODE_MAX = 63;
const REQUEST_ID_MAX = 127;

// Entity processing is off: no DOCTYPE entity is ever expanded. Only the five predefined XML
// entities and numeric references are decoded, in one pass, by `decodeXmlText`.
const xmlParser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: true,
  tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
});

/** Gateway error codes, for the odd case where the HTTP status does not already say it. */
const GATEWAY_KINDS: Readonly<Record<string, ErrorKind>> = {
  '100': 'invalid',
  '200': 'auth',
  '210': 'auth',
  '230': 'auth',
  '300': 'invalid',
  '400': 'throttled',
  '410': 'throttled',
  '420': 'throttled',
  '430': 'invalid',
  '500': 'server',
  '510': 'server',
  '900': 'server',
};

/**
 * Classifies one answer: a success, or an {@link NcpError} whose `kind` says what to do next.
 *
 * HTTP 429 → `throttled`; a retryable service code (`1000` and NCP_RETRYABLE_CODES, any
 * status) → `server`; 401/403 → `auth`; 5xx → `server`; other 4xx → `invalid`. On 2xx the body
 * decides: returnCode `"0"` is a success, a retryable code → `server`, another code →
 * `invalid`, an unreadable body → `protocol`.
 * A non-2xx answer is classified by its status even when its body is unreadable (a proxy's
 * HTML 502 page is still a server error).
 */
export function parseNcpResponse(answer: NcpAnswer): ParsedNcpResponse {
  const { action, httpStatus, body } = answer;
  const shape = readShape(body, action);
  if (shape.type === 'success' && shape.code === '0' && isSuccessStatus(httpStatus)) {
    return {
      ok: true,
      response: {
        httpStatus,
        requestId: shape.requestId ?? '',
        returnCode: '0',
        returnMessage: clean(shape.message ?? ''),
        body: shape.inner,
      },
    };
  }
  const bodyCode = shape.type === 'none' || shape.code === '0' ? undefined : shape.code;
  const retryable = answer.retryableCodes ?? DEFAULT_RETRYABLE_CODES;
  const { kind, code } = classify(httpStatus, shape, bodyCode, retryable);
  const clock = kind === 'auth' ? clockSkewHint(answer) : '';
  return {
    ok: false,
    error: new NcpError({
      kind,
      code,
      message: describe(answer, shape, code) + clock,
      httpStatus,
      retryAfterMs: parseRetryAfter(header(answer.headers, 'retry-after'), answer.now),
      requestId: shape.type === 'none' ? undefined : shape.requestId,
    }),
  };
}

/**
 * Reads a `Retry-After` value: delta-seconds (`120`) or an HTTP-date (relative to `now`).
 * Returns milliseconds, never negative; undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // An HTTP-date starts with a day name; this keeps Date.parse from reading "1.5" as a date.
  if (!/^[A-Za-z]{3,9},? /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function classify(
  status: number,
  shape: Shape,
  bodyCode: string | undefined,
  retryable: ReadonlySet<string>,
): { kind: ErrorKind; code: string } {
  const busy = bodyCode !== undefined && retryable.has(bodyCode);
  const code = bodyCode ?? `HTTP_${status}`;
  if (isSuccessStatus(status)) {
    switch (shape.type) {
      case 'none':
        return { kind: 'protocol', code: shape.code };
      case 'gateway':
        return { kind: (bodyCode && GATEWAY_KINDS[bodyCode]) || 'invalid', code };
      default:
        if (bodyCode === undefined) return { kind: 'protocol', code: 'MISSING_RETURN_CODE' };
        return { kind: busy ? 'server' : 'invalid', code };
    }
  }
  if (status === 429) return { kind: 'throttled', code };
  if (shape.type !== 'gateway' && busy) return { kind: 'server', code };
  if (status === 401 || status === 403) return { kind: 'auth', code };
  if (status >= 500 && status <= 599) return { kind: 'server', code };
  if (status >= 400 && status <= 499) return { kind: 'invalid', code };
  // 1xx, 3xx or nonsense: nothing NCP documents.
  return { kind: 'protocol', code };
}

function readShape(body: string, action: string): Shape {
  const doc = decode(body);
  if (doc === undefined) return { type: 'none', code: 'MALFORMED_BODY' };
  const gateway = doc.error;
  if (isRecord(gateway)) {
    const details = text(gateway.details) ?? json(gateway.details);
    const message = [text(gateway.message), details].filter(Boolean).join(': ');
    return {
      type: 'gateway',
      code: token(gateway.errorCode, CODE_MAX),
      message: message || undefined,
      requestId: token(gateway.requestId, REQUEST_ID_MAX),
    };
  }
  const service = doc.responseError;
  if (isRecord(service)) {
    return {
      type: 'service',
      code: token(service.returnCode, CODE_MAX) ?? token(service.responseCode, CODE_MAX),
      message: text(service.returnMessage) ?? text(service.responseMessage),
      requestId: token(service.requestId, REQUEST_ID_MAX),
    };
  }
  const inner = doc[`${action}Response`];
  if (isRecord(inner)) {
    return {
      type: 'success',
      inner,
      code: token(inner.returnCode, CODE_MAX),
      message: text(inner.returnMessage),
      requestId: token(inner.requestId, REQUEST_ID_MAX),
    };
  }
  return { type: 'none', code: 'UNEXPECTED_BODY' };
}

/** JSON or XML by the first character; undefined when the body is neither an object nor XML. */
function decode(body: string): Record<string, unknown> | undefined {
  const trimmed = body.replace(/^\uFEFF/, '').trim();
  try {
    if (trimmed.startsWith('{')) {
      const value: unknown = JSON.parse(trimmed);
      return isRecord(value) ? value : undefined;
    }
    if (trimmed.startsWith('<') && XMLValidator.validate(trimmed) === true) {
      const value: unknown = xmlParser.parse(trimmed);
      return isRecord(value) ? value : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Skew from which an auth failure is blamed on the clock: NCP refuses 5 minutes or more. */
const CLOCK_SKEW_BLAME_MS = 290_000;

/**
 * NCP's gateway refuses a signature whose timestamp is 5 minutes or more from its clock, and
 * says little more. Its `Date` header tells how far this host's clock is off; when that is
 * the likely cause, the error says so.
 */
function clockSkewHint(answer: NcpAnswer): string {
  const date = Date.parse(header(answer.headers, 'date') ?? '');
  if (Number.isNaN(date)) return '';
  const skew = answer.now - date;
  if (Math.abs(skew) < CLOCK_SKEW_BLAME_MS) return '';
  const seconds = Math.round(Math.abs(skew) / 1000);
  const amount = `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return ` (this host's clock is ${amount} ${skew > 0 ? 'ahead of' : 'behind'} NCP's; NCP refuses requests signed 5 minutes or more off its clock: synchronise this host's clock, e.g. with NTP)`;
}

function describe(answer: NcpAnswer, shape: Shape, code: string): string {
  const where = `${answer.action}: HTTP ${answer.httpStatus}`;
  if (shape.type === 'none') {
    const what = shape.code === 'MALFORMED_BODY' ? 'unreadable answer' : 'unexpected answer';
    const snippet = clean(answer.body);
    return `${where}, ${what}${snippet ? `: ${snippet}` : ' (empty body)'}`;
  }
  const label = shape.type === 'gateway' ? 'errorCode' : 'returnCode';
  const own = code.startsWith('HTTP_') || code === 'MISSING_RETURN_CODE';
  const codePart = own ? '' : `, ${label} ${code}`;
  const missing = shape.type === 'success' && shape.code === undefined ? ', no returnCode' : '';
  return `${where}${codePart}${missing}${shape.message ? `: ${clean(shape.message)}` : ''}`;
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A string, or a number as its decimal text; anything else (objects, null) is undefined. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A code or id as {@link text} reads it, made one short line; undefined when nothing is left. */
function token(value: unknown, max: number): string | undefined {
  const raw = text(value);
  return raw === undefined ? undefined : clean(raw, max) || undefined;
}

function json(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    // Thousands of levels of nesting overflow the stack; JSON.parse read them iteratively.
    return '[details nested too deeply to show]';
  }
}

/** One line, no control characters, at most `max` characters and an ellipsis. */
function clean(value: string, max = MESSAGE_MAX): string {
  const line = value.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function isSuccessStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/** Decodes the predefined XML entities and numeric references, once; leaves others as written. */
function decodeXmlText(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9A-Fa-f]{1,6});/g, (whole, ref) => {
    const name = ref as string;
    if (!name.startsWith('#')) return PREDEFINED[name] ?? whole;
    const point = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    const valid = point <= 0x10ffff && !(point >= 0xd800 && point <= 0xdfff) && point > 0;
    return valid ? String.fromCodePoint(point) : whole;
  });
}
