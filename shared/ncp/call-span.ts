/**
 * One span per NCP HTTP call (`ncp GET <action>`, kind client), with what the logs say of a
 * call: method, path without its query string, HTTP status, NCP's returnCode or error code, the
 * error kind, whether NCP throttled it and the Retry-After it asked for. Nothing from the request
 * headers (access key, timestamp, signature) and no query string ever goes in.
 */
import { type SpanAttributes, tracingActive, withSpan } from '../tracing.ts';
import { NcpError } from './errors.ts';
import type { NcpResponse } from './response.ts';

export interface TracedCall {
  api: string;
  action: string;
  /** Scheme, host and port of the API gateway. */
  origin: string;
  /** Path without the query string. */
  path: string;
}

/** Runs `send` in the call's span; with tracing off, just runs it. */
export function traceNcpCall(
  call: TracedCall,
  send: () => Promise<NcpResponse>,
): Promise<NcpResponse> {
  if (!tracingActive()) return send();
  const origin = new URL(call.origin);
  const attributes: SpanAttributes = {
    'http.request.method': 'GET',
    'url.path': call.path,
    'server.address': origin.hostname,
    'server.port': Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80),
    'ncp.api': call.api,
    'ncp.action': call.action,
  };
  return withSpan(`ncp GET ${call.action}`, { kind: 'client', attributes }, async (span) => {
    try {
      const response = await send();
      span?.setAttributes({
        'http.response.status_code': response.httpStatus,
        'ncp.return_code': response.returnCode,
        'ncp.request_id': response.requestId || undefined,
        'ncp.throttled': false,
      });
      return response;
    } catch (error) {
      span?.setAttributes(failure(error));
      throw error;
    }
  });
}

function failure(error: unknown): SpanAttributes {
  if (!(error instanceof NcpError)) return { 'error.type': 'aborted' };
  return {
    'http.response.status_code': error.httpStatus,
    'ncp.error_code': error.code,
    'ncp.request_id': error.requestId,
    'error.type': error.kind,
    'ncp.throttled': error.kind === 'throttled',
    'ncp.retry_after_ms': error.retryAfterMs,
  };
}
