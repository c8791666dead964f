/**
 * The bodies the emulator answers with: gateway errors (always JSON), and service answers
 * (success or `responseError`) in the format the request asked for.
 */
import { type ResponseValue, xmlDocument } from './xml.ts';

/** `responseFormatType`: `xml` (NCP's default) or `json`. */
export type ResponseFormat = 'xml' | 'json';

/** An answer ready to write. */
export interface Rendered {
  status: number;
  contentType: string;
  body: string;
}

/** An error of NCP's API gateway, before any service sees the request. */
export interface GatewayError {
  status: number;
  errorCode: string;
  message: string;
}

/** The gateway errors the emulator produces (HTTP status, `errorCode`, `message`). */
export const GATEWAY_ERRORS = {
  authenticationFailed: { status: 401, errorCode: '200', message: 'Authentication Failed' },
  notFound: { status: 404, errorCode: '300', message: 'Not Found' },
  entityTooLarge: { status: 413, errorCode: '430', message: 'Request Entity Too Large' },
  rateLimited: { status: 429, errorCode: '420', message: 'Rate Limited' },
  endpointError: { status: 503, errorCode: '500', message: 'Endpoint Error' },
  endpointTimeout: { status: 504, errorCode: '510', message: 'Endpoint Timeout' },
  unexpectedError: { status: 500, errorCode: '900', message: 'Unexpected Error' },
} as const satisfies Record<string, GatewayError>;

/** A service error: HTTP status, 7-digit `returnCode` (or `1000`) and a message. */
export interface ServiceError {
  status: number;
  returnCode: string;
  returnMessage: string;
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const XML_TYPE = 'application/xml;charset=UTF-8';

/** `{"error":{"errorCode","message","details"}}`, JSON whatever format was asked. */
export function renderGatewayError(error: GatewayError, details: string): Rendered {
  const body = { error: { errorCode: error.errorCode, message: error.message, details } };
  return { status: error.status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

/** A service answer `{ [root]: value }` with HTTP status `status`, in `format`. */
export function renderService(
  format: ResponseFormat,
  status: number,
  root: string,
  value: ResponseValue,
): Rendered {
  return format === 'json'
    ? { status, contentType: JSON_TYPE, body: JSON.stringify({ [root]: value }) }
    : { status, contentType: XML_TYPE, body: xmlDocument(root, value) };
}

/** `responseError` with `returnCode` and `returnMessage`, in `format`. */
export function renderServiceError(format: ResponseFormat, error: ServiceError): Rendered {
  return renderService(format, error.status, 'responseError', {
    returnCode: error.returnCode,
    returnMessage: error.returnMessage,
  });
}

/**
 * A 200 whose body is cut off before `returnCode`: not parseable as JSON, not well-formed
 * XML, and missing the fields a client needs even if a lenient parser gets through.
 */
export function renderMalformed(format: ResponseFormat, root: string, requestId: string): Rendered {
  const whole = renderService(format, 200, root, {
    requestId,
    returnCode: '0',
    returnMessage: 'success',
  });
  const cut = whole.body.indexOf('returnCode') - 1;
  return { ...whole, body: `${whole.body.slice(0, cut)}\u0000\ufffd` };
}
