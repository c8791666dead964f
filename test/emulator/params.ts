/**
 * Request parameters: from the query string, or for POST also from a form-urlencoded body.
 *
 * Decoding follows URLSearchParams (application/x-www-form-urlencoded): `%XX` is decoded and
 * `+` means a space, as in the Java servlet containers behind NCP's APIs. A literal `+` must
 * be sent as `%2B`; a client that percent-encodes every reserved character is safe.
 */
import type { IncomingMessage } from 'node:http';
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import type { ServiceError } from './responses.ts';
import { quote, serviceError } from './service-errors.ts';

/** Largest request body the gateway takes; more is refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Parameters in the order they came: query first, then body. */
export type ParamList = Array<[name: string, value: string]>;

/** Which parameters an action takes; `responseFormatType` is always allowed. */
export interface ParamSpec {
  required: readonly string[];
  optional: readonly string[];
}

/** Outcome of {@link readParams}. */
export type ReadParamsResult =
  | { kind: 'ok'; params: ParamList; contentError?: ServiceError }
  | { kind: 'too-large' }
  | { kind: 'aborted' };

/**
 * Collects the parameters of a request. A POST body that is not form-urlencoded is not
 * read as parameters and yields `contentError`, reported after the fault stage.
 */
export async function readParams(req: IncomingMessage, search: string): Promise<ReadParamsResult> {
  const params: ParamList = [...new URLSearchParams(search)];
  if (req.method !== 'POST') return { kind: 'ok', params };
  const body = await readBody(req);
  if (typeof body === 'string') return { kind: body };
  if (body.length === 0) return { kind: 'ok', params };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    const contentError = serviceError(
      'unsupportedContentType',
      `Unsupported Content-Type ${quote(type || '(none)')} for request parameters: send them in the query string or as application/x-www-form-urlencoded`,
    );
    return { kind: 'ok', params, contentError };
  }
  params.push(...new URLSearchParams(body.toString('utf8')));
  return { kind: 'ok', params };
}

/**
 * Checks names and presence: no parameter twice, none unknown (the other family's instance
 * parameter gets a hint), every required one present and non-empty.
 * @returns the parameters by name, or the first problem found
 */
export function checkParams(
  params: ParamList,
  spec: ParamSpec,
  api: ApiFamily,
): { ok: true; values: Map<string, string> } | { ok: false; error: ServiceError } {
  const allowed = new Set([...spec.required, ...spec.optional, 'responseFormatType']);
  const values = new Map<string, string>();
  for (const [name, value] of params) {
    if (!allowed.has(name)) return { ok: false, error: unknownParameter(name, api) };
    if (values.has(name)) {
      return {
        ok: false,
        error: serviceError('duplicateParameter', `Parameter given more than once: ${name}`),
      };
    }
    values.set(name, value);
  }
  for (const name of spec.required) {
    if (!values.get(name)) {
      return {
        ok: false,
        error: serviceError('missingParameter', `Required parameter is missing or empty: ${name}`),
      };
    }
  }
  return { ok: true, values };
}

/** The body, or why there is none; past the limit the rest is left unread (answer, then close). */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too-large' | 'aborted'): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else {
        req.pause();
        finish('too-large');
      }
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    const onAbort = (): void => finish('aborted');
    const onClose = (): void => {
      if (!req.complete) finish('aborted');
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onClose);
  });
}

function unknownParameter(name: string, api: ApiFamily): ServiceError {
  const own = NCP_FAMILIES[api];
  const otherFamily = Object.values(NCP_FAMILIES).some(
    (family) => family.instanceParam === name && family !== own,
  );
  const hint = otherFamily
    ? ` (${name} belongs to another API; ${own.basePath} takes ${own.instanceParam})`
    : '';
  return serviceError('unknownParameter', `Unknown parameter: ${quote(name, 60)}${hint}`);
}
