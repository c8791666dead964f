/**
 * The request target (path and query) of an NCP call, built once and used twice: it is both
 * what the signature covers and what goes on the wire, byte for byte.
 *
 * NCP's SDKs disagree on whether the query is signed encoded or raw, and the gateway verifies
 * what it received. So every name and value is percent-encoded with RFC 3986 rules here, and the
 * result contains only unreserved characters, `%XX`, `=`, `&`, `/` and `?`: nothing an HTTP
 * client or a URL parser could re-encode on the way out.
 */
import { NcpError } from './errors.ts';

/** Query parameters in the order they are sent; `undefined` values are left out. */
export type QueryParams =
  | Readonly<Record<string, string | undefined>>
  | ReadonlyArray<readonly [string, string | undefined]>;

// C0 controls, DEL and C1 controls: never valid in a parameter, and a newline would also break
// the framing of the string to sign.
const CONTROL = /\p{Cc}/u;
const SAFE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/**
 * Percent-encodes a string per RFC 3986: everything but the unreserved characters
 * `A-Z a-z 0-9 - . _ ~` becomes `%XX` of its UTF-8 bytes (upper-case hex). Unlike
 * `encodeURIComponent`, this also encodes `! ' ( ) *`; a space becomes `%20`, never `+`.
 * Throws a `URIError` on a lone surrogate, which has no UTF-8 form.
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Builds `name=value&name=value` (no leading `?`) in the order given, skipping undefined values.
 * An empty string is kept (`name=`). Throws an {@link NcpError} of kind `invalid`, code
 * `INVALID_PARAMETER`, for an empty name, a control character, or a lone surrogate.
 */
export function buildQuery(params: QueryParams): string {
  const entries = Array.isArray(params) ? params : Object.entries(params);
  const parts: string[] = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    parts.push(`${encodePart(name, 'name', name)}=${encodePart(value, 'value', name)}`);
  }
  return parts.join('&');
}

/**
 * Joins a path and its query into the request target that is signed and sent:
 * `path` alone when no parameter is left, else `path?query`. The path must be made of
 * `/`-separated segments of unreserved characters, none of them `.` or `..`
 * (e.g. `/vcache/v2/exportBackupToObjectStorage`).
 */
export function buildPathWithQuery(path: string, params: QueryParams): string {
  if (!SAFE_PATH.test(path) || /\/\.{1,2}(?=\/|$)/.test(path)) {
    throw new NcpError({
      kind: 'invalid',
      code: 'INVALID_PATH',
      message: `request path ${JSON.stringify(path)} is not a plain /-separated path`,
    });
  }
  const query = buildQuery(params);
  return query ? `${path}?${query}` : path;
}

function encodePart(text: string, what: 'name' | 'value', name: string): string {
  const label = `query parameter ${JSON.stringify(name)}`;
  if (typeof text !== 'string') {
    throw invalid(`${label}: ${what} must be a string, got ${typeof text}`);
  }
  if (what === 'name' && text === '') throw invalid('query parameter name must not be empty');
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw invalid(`${label}: ${what} contains control character U+${code} at ${control.index}`);
  }
  try {
    return encodeRfc3986(text);
  } catch {
    throw invalid(`${label}: ${what} contains a lone surrogate (not valid Unicode)`);
  }
}

function invalid(message: string): NcpError {
  return new NcpError({ kind: 'invalid', code: 'INVALID_PARAMETER', message });
}
