/**
 * The signed NCP HTTP client: one GET per call, signed afresh, bounded in time and size,
 * classified into an {@link NcpError} when it is not a success. It never retries: that is the
 * worker's decision, made from `NcpError.kind`.
 */
import { Agent, type Dispatcher } from 'undici';
import type { NcpConfig } from '../config.ts';
import { API_FAMILIES, type ApiFamily, type ExportRequest } from '../contract.ts';
import { checkApiOrigin } from '../urls.ts';
import { traceNcpCall } from './call-span.ts';
import { NcpError } from './errors.ts';
import { buildPathWithQuery } from './query.ts';
import { type NcpResponse, parseNcpResponse } from './response.ts';
import { ON_SENT, sentHook } from './sent-hook.ts';
import { SIGNATURE_HEADER, signedHeaders } from './signer.ts';

export interface NcpClientOptions {
  /** Scheme, host and optional port only, e.g. `https://ncloud.apigw.ntruss.com`. */
  apiUrl: string;
  accessKey: string;
  /** Kept in a private field; never part of an error message. */
  secretKey: string;
  /** Asked for with `responseFormatType`; the parser reads either. */
  responseFormat: 'json' | 'xml';
  /** Limit on the whole call: connect, headers and body. */
  timeoutMs: number;
  /** Cap on the response body; over it → `NcpError` kind `protocol`, code `RESPONSE_TOO_LARGE`. */
  maxResponseBytes: number;
  /** Region for `exportBackup` when neither the request nor the call names one. */
  defaultRegion?: string | undefined;
  /** @defaultValue a keep-alive undici `Agent` owned, and closed, by the client */
  dispatcher?: Dispatcher;
  /** Clock for the signature timestamp and `Retry-After` dates. @defaultValue `Date.now` */
  now?: () => number;
  /** Service codes that mean "busy, try again". @defaultValue `1000` only */
  retryableCodes?: ReadonlySet<string> | undefined;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborting it rejects the call with the signal's `reason`, as is (not an `NcpError`). */
  signal?: AbortSignal | undefined;
  /** Called once the request has been written to the socket, before the answer arrives. */
  onSent?: (() => void) | undefined;
}

export interface ExportBackupOptions extends CallOptions {
  /** Region when the request names none; overrides the client's `defaultRegion`. */
  defaultRegion?: string | undefined;
}

const ACTION = /^[a-z][A-Za-z0-9]{0,127}$/;
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Calls NCP's Cloud DB for Cache APIs (`vredis`, `vcache`) with API Gateway signature v2. */
export class NcpClient {
  readonly #origin: string;
  readonly #accessKey: string;
  readonly #secretKey: string;
  readonly #format: 'json' | 'xml';
  readonly #retryableCodes: ReadonlySet<string> | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #defaultRegion: string | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #now: () => number;

  constructor(options: NcpClientOptions) {
    this.#origin = originOf(options.apiUrl);
    if (!options.accessKey) throw new TypeError('NcpClient: accessKey is required');
    if (!options.secretKey) throw new TypeError('NcpClient: secretKey is required');
    if (options.responseFormat !== 'json' && options.responseFormat !== 'xml') {
      throw new TypeError('NcpClient: responseFormat must be "json" or "xml"');
    }
    positive('timeoutMs', options.timeoutMs);
    positive('maxResponseBytes', options.maxResponseBytes);
    this.#accessKey = options.accessKey;
    this.#secretKey = options.secretKey;
    this.#format = options.responseFormat;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxResponseBytes;
    this.#defaultRegion = options.defaultRegion || undefined;
    this.#retryableCodes = options.retryableCodes;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = (options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 })).compose(
      sentHook,
    );
    this.#now = options.now ?? Date.now;
  }

  /**
   * GET `{apiUrl}{basePath}/{action}?{params...}&responseFormatType=json|xml`, signed.
   * Parameters go in the order given, undefined ones left out; a `responseFormatType` among
   * them is replaced by the client's. Resolves on success; otherwise throws an `NcpError`,
   * or the caller's abort reason.
   */
  async call(
    api: ApiFamily,
    action: string,
    params: Readonly<Record<string, string | undefined>>,
    options: CallOptions = {},
  ): Promise<NcpResponse> {
    const { signal } = options;
    signal?.throwIfAborted();
    const family = Object.hasOwn(API_FAMILIES, api) ? API_FAMILIES[api] : undefined;
    if (!family) throw invalid('INVALID_API', `unknown API family ${JSON.stringify(api)}`);
    if (!ACTION.test(action)) {
      throw invalid('INVALID_ACTION', `action ${JSON.stringify(action)} is not an NCP action name`);
    }
    const entries = Object.entries(params).filter(([name]) => name !== 'responseFormatType');
    entries.push(['responseFormatType', this.#format]);
    const path = buildPathWithQuery(`${family.basePath}/${action}`, entries);
    const headers = signedHeaders({
      method: 'GET',
      pathWithQuery: path,
      timestamp: String(Math.floor(this.#now())),
      accessKey: this.#accessKey,
      secretKey: this.#secretKey,
    });
    return traceNcpCall(
      { api, action, origin: this.#origin, path: `${family.basePath}/${action}` },
      () => this.#send(action, path, headers, options),
    );
  }

  /** Sends one signed GET and classifies the answer. */
  async #send(
    action: string,
    path: string,
    headers: ReturnType<typeof signedHeaders>,
    options: CallOptions,
  ): Promise<NcpResponse> {
    const { signal } = options;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    let statusCode: number;
    let responseHeaders: Dispatcher.ResponseData['headers'];
    let body: string;
    try {
      const response = await this.#dispatcher.request({
        origin: this.#origin,
        path,
        method: 'GET',
        headers: { ...headers },
        signal: combined,
        ...(options.onSent ? { [ON_SENT]: options.onSent } : {}),
      });
      statusCode = response.statusCode;
      responseHeaders = response.headers;
      body = await readCapped(response, this.#maxBytes, action);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.signal.aborted) {
        throw new NcpError({
          kind: 'timeout',
          code: 'TIMEOUT',
          message: `${action}: no complete answer within ${this.#timeoutMs} ms`,
        });
      }
      throw this.#transportError(error, action, headers[SIGNATURE_HEADER]);
    } finally {
      clearTimeout(timer);
    }

    const parsed = parseNcpResponse({
      action,
      httpStatus: statusCode,
      headers: responseHeaders,
      body,
      now: this.#now(),
      retryableCodes: this.#retryableCodes,
    });
    if (!parsed.ok) throw this.#redacted(parsed.error, headers[SIGNATURE_HEADER]);
    return parsed.response;
  }

  /**
   * `exportBackupToObjectStorage` for one validated request. Parameters, in order: regionCode
   * (the request's, else `options.defaultRegion`, else the client's, else left out), fileName,
   * bucketName, the family's instance parameter, backupTypeMode, responseFormatType.
   */
  exportBackup(request: ExportRequest, options: ExportBackupOptions = {}): Promise<NcpResponse> {
    const { instanceParam } = API_FAMILIES[request.api];
    const regionCode = request.regionCode || options.defaultRegion || this.#defaultRegion;
    return this.call(
      request.api,
      'exportBackupToObjectStorage',
      {
        regionCode,
        fileName: request.fileName,
        bucketName: request.bucketName,
        [instanceParam]: request.instanceNo,
        backupTypeMode: request.backupTypeMode,
      },
      { signal: options.signal, onSent: options.onSent },
    );
  }

  /** An answer's error without the secret key or signature (a proxy may echo request headers). */
  #redacted(error: NcpError, signature: string): NcpError {
    const fields = [error.message, error.code, error.requestId ?? ''];
    if (!fields.some((text) => text.includes(signature) || text.includes(this.#secretKey))) {
      return error;
    }
    return new NcpError({
      kind: error.kind,
      code: this.#redact(error.code, signature),
      message: this.#redact(error.message, signature),
      httpStatus: error.httpStatus,
      retryAfterMs: error.retryAfterMs,
      requestId:
        error.requestId === undefined ? undefined : this.#redact(error.requestId, signature),
    });
  }

  #redact(text: string, signature: string): string {
    return [this.#secretKey, signature].reduce(
      (result, secret) => result.split(secret).join('[redacted]'),
      text,
    );
  }

  /** Closes the client's own connection pool; a dispatcher passed in is left to its owner. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #transportError(error: unknown, action: string, signature: string): NcpError {
    if (error instanceof NcpError) return error;
    const errorCode = (error as { code?: unknown } | null)?.code;
    const code = typeof errorCode === 'string' && errorCode ? errorCode : 'NETWORK_ERROR';
    const raw = error instanceof Error ? error.message : String(error);
    // Belt and braces: no transport error is known to echo a header, but none may leak one.
    const detail = this.#redact(raw, signature);
    return new NcpError({
      kind: TIMEOUT_CODES.has(code) ? 'timeout' : 'network',
      code,
      message: `${action}: ${code}${detail ? ` (${detail})` : ''}`,
    });
  }
}

/** A client for the configured NCP site and key pair; `overrides` wins over `config`. */
export function createNcpClient(
  config: NcpConfig,
  overrides: Partial<NcpClientOptions> = {},
): NcpClient {
  return new NcpClient({
    apiUrl: config.apiUrl,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    responseFormat: config.responseFormat,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    defaultRegion: config.region,
    retryableCodes: config.retryableCodes,
    ...overrides,
  });
}

/** Reads the body as a stream, stopping (and dropping the connection) past `maxBytes`. */
async function readCapped(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  action: string,
): Promise<string> {
  const { body, statusCode } = response;
  const tooLarge = () => {
    // Unread, the body fails with an AbortError no one awaits: uncaught, it ends the process.
    body.on('error', () => {});
    body.destroy();
    return new NcpError({
      kind: 'protocol',
      code: 'RESPONSE_TOO_LARGE',
      message: `${action}: HTTP ${statusCode} answer exceeds ${maxBytes} bytes`,
      httpStatus: statusCode,
    });
  };
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total));
}

function originOf(apiUrl: string): string {
  const checked = checkApiOrigin(apiUrl);
  if ('problem' in checked) throw new TypeError(`NcpClient: apiUrl ${checked.problem}`);
  return checked.origin;
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`NcpClient: ${name} must be a positive number, got ${value}`);
  }
}

function invalid(code: string, message: string): NcpError {
  return new NcpError({ kind: 'invalid', code, message });
}
