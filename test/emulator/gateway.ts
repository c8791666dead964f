/**
 * One API request through the emulated gateway and service, in NCP's order:
 * wait out the transit jitter, count the arrival, route (404), authenticate (401), throttle (429), read the parameters
 * (413), inject a fault, check the parameters (service errors), then run the action.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from './catalog.ts';
import type { RuntimeSettings } from './config.ts';
import type { FaultPlan } from './faults.ts';
import { checkParams, MAX_BODY_BYTES, type ParamList, readParams } from './params.ts';
import type { Recorder } from './recorder.ts';
import {
  GATEWAY_ERRORS,
  type Rendered,
  type ResponseFormat,
  renderGatewayError,
  renderMalformed,
  renderService,
  renderServiceError,
} from './responses.ts';
import { findRoute } from './routes.ts';
import { quote, serviceError } from './service-errors.ts';
import { authenticate } from './signature.ts';
import type { AcceptedExport, RetryAfterMode } from './types.ts';
import { waitUnlessAborted } from './wait-unless-aborted.ts';

/** What the gateway works with; `settings()` is read once per request, on arrival. */
export interface GatewayContext {
  catalog: Catalog;
  recorder: Recorder;
  faults: FaultPlan;
  settings(): RuntimeSettings;
  random: () => number;
  /** Aborted when the emulator closes. */
  lifetime: AbortSignal;
  /** Hears every accepted export (the Object Storage stand-in lands it). */
  onAccepted?: (accepted: AcceptedExport) => void;
}

/** Handles one request outside the admin routes. Never rejects for client behaviour. */
export async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: GatewayContext,
): Promise<void> {
  let settings = ctx.settings();
  const signal = requestSignal(res, ctx.lifetime);
  if (settings.jitterMs > 0) {
    // Transit: the request reaches the gateway a random while after it was sent.
    if (!(await waitUnlessAborted(Math.random() * settings.jitterMs, signal))) return;
    settings = ctx.settings();
  }
  const arrival = performance.now();
  ctx.recorder.arrival(arrival);
  const reply = (rendered: Rendered, headers: Record<string, string> = {}): Promise<void> =>
    send(res, rendered, headers, settings, signal);

  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
  const route = findRoute(pathname);
  if (route === undefined || (req.method !== 'GET' && req.method !== 'POST')) {
    ctx.recorder.count('notFound');
    const details = route
      ? `Method ${req.method} is not supported by ${pathname}`
      : `No API resource at ${quote(pathname, 200)}`;
    return reply(renderGatewayError(GATEWAY_ERRORS.notFound, details));
  }

  const auth = authenticate({
    method: req.method,
    target,
    headers: req.headers,
    secretFor: (key) => ctx.catalog.secretFor(key),
    gatewayNow: Date.now() + settings.clockOffsetMs,
  });
  if (!auth.ok) {
    ctx.recorder.count('badSignatures');
    return reply(renderGatewayError(GATEWAY_ERRORS.authenticationFailed, auth.details));
  }

  const admission = ctx.recorder.admit(
    arrival,
    settings.rateLimit,
    settings.gateway,
    settings.burst,
  );
  if (!admission.admitted) {
    ctx.recorder.count('throttled');
    return reply(rateLimited(), retryAfter(settings, admission.waitMs));
  }

  const read = await readParams(req, queryAt < 0 ? '' : target.slice(queryAt));
  if (read.kind === 'aborted') return;
  if (read.kind === 'too-large') {
    ctx.recorder.count('invalid');
    const details = `The request body exceeds ${MAX_BODY_BYTES} bytes`;
    return reply(renderGatewayError(GATEWAY_ERRORS.entityTooLarge, details), {
      Connection: 'close',
    });
  }
  const format = responseFormat(read.params);
  const requestId = randomUUID();
  const { action, api } = route;

  const fault = ctx.faults.draw(ctx.random);
  if (fault !== null) ctx.recorder.fault(fault);
  switch (fault) {
    case 'http500':
      return reply(renderGatewayError(GATEWAY_ERRORS.unexpectedError, 'Unexpected error'));
    case 'http503':
      return reply(renderGatewayError(GATEWAY_ERRORS.endpointError, 'Endpoint error'));
    case 'http504':
      return reply(renderGatewayError(GATEWAY_ERRORS.endpointTimeout, 'Endpoint timed out'));
    case 'throttle':
      ctx.recorder.count('throttled');
      return reply(rateLimited(), retryAfter(settings, ctx.recorder.windowMs));
    case 'service1000':
      return reply(
        renderServiceError(
          format.format,
          serviceError('temporary', 'A temporary error occurred. Please try again later.'),
        ),
      );
    case 'malformed':
      return reply(renderMalformed(format.format, action.responseRoot, requestId));
    case 'reset':
      if (await waitUnlessAborted(settings.latencyMs, signal)) req.socket.resetAndDestroy();
      return;
    case 'slow':
      if (!(await waitUnlessAborted(ctx.faults.slowMs, signal))) {
        res.destroy();
        return;
      }
      break;
  }

  const checked = read.contentError
    ? { ok: false as const, error: read.contentError }
    : checkParams(read.params, action.params(api), api);
  if (!checked.ok || format.invalid !== undefined) {
    ctx.recorder.count('invalid');
    const error = checked.ok
      ? serviceError(
          'invalidParameterValue',
          `Invalid value for responseFormatType: ${quote(format.invalid ?? '')} (expected xml or json)`,
        )
      : checked.error;
    return reply(renderServiceError(format.format, error));
  }
  if (action.name.endsWith('ManualBackup')) ctx.recorder.count('manualBackupCreateCalls');
  const manualBackup = {
    delayMs: settings.manualBackupDelayMs,
    never: settings.manualBackupNeverRate > 0 && ctx.random() < settings.manualBackupNeverRate,
  };
  const result = action.handle({
    api,
    params: checked.values,
    catalog: ctx.catalog,
    requestId,
    manualBackup,
  });
  if (!result.ok) {
    ctx.recorder.count('invalid');
    return reply(renderServiceError(format.format, result.error));
  }
  if (result.accepted) {
    const accepted = { ...result.accepted, at: Date.now() };
    ctx.recorder.accept(accepted, performance.now());
    ctx.onAccepted?.(accepted);
  }
  if (result.created) ctx.recorder.created({ ...result.created, at: Date.now() });
  return reply(renderService(format.format, 200, action.responseRoot, result.value));
}

function rateLimited(): Rendered {
  return renderGatewayError(GATEWAY_ERRORS.rateLimited, 'Rate limit exceeded. Try again later.');
}

/** `Retry-After` for a 429 whose slot frees in `waitMs`, as the settings ask. */
function retryAfter(settings: RuntimeSettings, waitMs: number): Record<string, string> {
  const mode: RetryAfterMode = settings.retryAfter;
  if (mode === 'none') return {};
  if (typeof mode === 'number') return { 'Retry-After': String(mode) };
  const at = Math.ceil((Date.now() + settings.clockOffsetMs + waitMs) / 1000) * 1000;
  return { 'Retry-After': new Date(at).toUTCString() };
}

/** The answer format; an unknown value answers in XML and is reported once params are checked. */
function responseFormat(params: ParamList): { format: ResponseFormat; invalid?: string } {
  const value = params.find(([name]) => name === 'responseFormatType')?.[1];
  if (value === undefined || value === '') return { format: 'xml' };
  const lower = value.toLowerCase();
  if (lower === 'json' || lower === 'xml') return { format: lower };
  return { format: 'xml', invalid: value };
}

/** Aborts when the emulator closes or the client hangs up before the answer is written. */
function requestSignal(res: ServerResponse, lifetime: AbortSignal): AbortSignal {
  const own = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) own.abort();
  });
  return AbortSignal.any([own.signal, lifetime]);
}

/** Writes an answer after the configured latency; the `Date` header follows the gateway clock. */
async function send(
  res: ServerResponse,
  rendered: Rendered,
  headers: Record<string, string>,
  settings: RuntimeSettings,
  signal: AbortSignal,
): Promise<void> {
  if (!(await waitUnlessAborted(settings.latencyMs, signal)) || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(rendered.status, {
    'Content-Type': rendered.contentType,
    'Content-Length': String(Buffer.byteLength(rendered.body)),
    Date: new Date(Date.now() + settings.clockOffsetMs).toUTCString(),
    ...headers,
  });
  res.end(rendered.body);
}
