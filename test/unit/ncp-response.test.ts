import { describe, expect, it } from 'vitest';
import type { NcpError } from '../../shared/ncp/errors.ts';
import {
  type NcpAnswer,
  parseNcpResponse,
  parseRetryAfter,
  type ResponseHeaders,
} from '../../shared/ncp/response.ts';

const ACTION = 'exportBackupToObjectStorage';
const NOW = Date.parse('2025-06-01T00:00:00Z');

function parse(httpStatus: number, body: string, headers: ResponseHeaders = {}) {
  const answer: NcpAnswer = { action: ACTION, httpStatus, headers, body, now: NOW };
  return parseNcpResponse(answer);
}

function failure(httpStatus: number, body: string, headers: ResponseHeaders = {}): NcpError {
  const result = parse(httpStatus, body, headers);
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

const gateway = (errorCode: string | number, message: string) =>
  JSON.stringify({ error: { errorCode, message, details: null } });
const service = (returnCode: string, returnMessage: string) =>
  JSON.stringify({ responseError: { returnCode, returnMessage } });

describe('parseNcpResponse: success', () => {
  it('reads the documented JSON success', () => {
    const body = `{"exportBackupToObjectStorageResponse":{"requestId":"18fe5b24-2663-4cc7-8a2a-aa0f44c0c46c","returnCode":"0","returnMessage":"success"}}`;
    expect(parse(200, body)).toStrictEqual({
      ok: true,
      response: {
        httpStatus: 200,
        requestId: '18fe5b24-2663-4cc7-8a2a-aa0f44c0c46c',
        returnCode: '0',
        returnMessage: 'success',
        body: {
          requestId: '18fe5b24-2663-4cc7-8a2a-aa0f44c0c46c',
          returnCode: '0',
          returnMessage: 'success',
        },
      },
    });
  });

  it('reads the documented XML success, declaration and all, keeping values as strings', () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<exportBackupToObjectStorageResponse>
    <requestId>afee84ad-0000-1111-2222-d4b359e85dca</requestId>
    <returnCode>0</returnCode>
    <returnMessage>success</returnMessage>
    <totalRows>007</totalRows>
</exportBackupToObjectStorageResponse>`;
    const result = parse(200, body);
    expect(result).toStrictEqual({
      ok: true,
      response: {
        httpStatus: 200,
        requestId: 'afee84ad-0000-1111-2222-d4b359e85dca',
        returnCode: '0',
        returnMessage: 'success',
        body: {
          requestId: 'afee84ad-0000-1111-2222-d4b359e85dca',
          returnCode: '0',
          returnMessage: 'success',
          totalRows: '007',
        },
      },
    });
  });

  it('accepts a numeric JSON returnCode 0 and a byte-order mark', () => {
    const result = parse(200, `\uFEFF{"${ACTION}Response":{"returnCode":0}}`);
    expect(result.ok && result.response.returnCode).toBe('0');
    expect(result.ok && result.response.requestId).toBe('');
  });

  it('never expands DOCTYPE entities, and decodes only the predefined ones', () => {
    const body = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe "EXPANDED">]>
<${ACTION}Response><requestId>&xxe;</requestId><returnCode>0</returnCode>
<returnMessage>a &amp;lt; b &amp; c &#233; &#x1F600; &nbsp;</returnMessage></${ACTION}Response>`;
    const result = parse(200, body);
    expect(result.ok && result.response.requestId).toBe('&xxe;');
    expect(result.ok && result.response.returnMessage).toBe('a &lt; b & c é 😀 &nbsp;');
  });
});

describe('parseNcpResponse: classification', () => {
  it.each([
    [429, gateway('420', 'Rate Limited'), 'throttled', '420'],
    [429, '', 'throttled', 'HTTP_429'],
    [401, gateway('200', 'Authentication Failed'), 'auth', '200'],
    [401, gateway(210, 'Permission Denied'), 'auth', '210'],
    [403, gateway('230', 'Forbidden'), 'auth', '230'],
    [400, gateway('100', 'Bad Request Exception'), 'invalid', '100'],
    [400, service('1007009', 'wrong state'), 'invalid', '1007009'],
    [404, gateway('300', 'Not Found'), 'invalid', '300'],
    [413, gateway('430', 'Request Entity Too Large'), 'invalid', '430'],
    [404, '', 'invalid', 'HTTP_404'],
    [500, service('1000', 'try again later'), 'server', '1000'],
    [400, service('1000', 'try again later'), 'server', '1000'],
    [500, gateway('900', 'Unexpected Error'), 'server', '900'],
    [503, gateway('500', 'Endpoint Error'), 'server', '500'],
    [504, gateway('510', 'Endpoint Timeout'), 'server', '510'],
    [502, '<html><body>Bad Gateway</body></html>', 'server', 'HTTP_502'],
    [200, `{"${ACTION}Response":{"returnCode":"1000","returnMessage":"later"}}`, 'server', '1000'],
    [200, `{"${ACTION}Response":{"returnCode":"1007009"}}`, 'invalid', '1007009'],
    [200, `{"${ACTION}Response":{"requestId":"r"}}`, 'protocol', 'MISSING_RETURN_CODE'],
    [200, service('1000', 'later'), 'server', '1000'],
    [200, gateway('410', 'Throttle Limited'), 'throttled', '410'],
    [200, '', 'protocol', 'MALFORMED_BODY'],
    [200, '{"exportBackupToObjectStorageResponse":', 'protocol', 'MALFORMED_BODY'],
    [200, '<unclosed>', 'protocol', 'MALFORMED_BODY'],
    [200, '[1,2]', 'protocol', 'MALFORMED_BODY'],
    [200, '{"otherActionResponse":{"returnCode":"0"}}', 'protocol', 'UNEXPECTED_BODY'],
    [302, '', 'protocol', 'HTTP_302'],
    [500, `{"${ACTION}Response":{"returnCode":"0"}}`, 'server', 'HTTP_500'],
  ])('HTTP %i %j → %s %s', (status, body, kind, code) => {
    const error = failure(status, body);
    expect({ kind: error.kind, code: error.code, httpStatus: error.httpStatus }).toStrictEqual({
      kind,
      code,
      httpStatus: status,
    });
  });

  it('retries the service codes it is told are transient, and only those', () => {
    const busy = parseNcpResponse({
      action: ACTION,
      httpStatus: 400,
      headers: {},
      body: service('1007009', 'operation in progress'),
      now: NOW,
      retryableCodes: new Set(['1000', '1007009']),
    });
    expect(busy.ok ? undefined : [busy.error.kind, busy.error.retryable]).toEqual(['server', true]);
    // Told nothing, 1007009 is permanent and 1000 stays transient.
    expect(failure(400, service('1007009', 'x')).kind).toBe('invalid');
    const told = parseNcpResponse({
      action: ACTION,
      httpStatus: 500,
      headers: {},
      body: service('1000', 'later'),
      now: NOW,
      retryableCodes: new Set(['5001017']),
    });
    expect(told.ok ? undefined : told.error.kind).toBe('server');
  });

  it('reads a service error in XML, and the responseCode spelling', () => {
    const xml = failure(
      400,
      '<responseError><returnCode>1007009</returnCode><returnMessage>no bucket</returnMessage></responseError>',
    );
    expect([xml.kind, xml.code, xml.message]).toStrictEqual([
      'invalid',
      '1007009',
      `${ACTION}: HTTP 400, returnCode 1007009: no bucket`,
    ]);
    const alt = failure(500, '{"responseError":{"responseCode":"1000","responseMessage":"busy"}}');
    expect([alt.kind, alt.code, alt.message]).toStrictEqual([
      'server',
      '1000',
      `${ACTION}: HTTP 500, returnCode 1000: busy`,
    ]);
  });

  it('reads a gateway error sent as JSON although XML was asked, with its details', () => {
    const error = failure(
      401,
      '{"error":{"errorCode":"210","message":"Permission Denied","details":"no vcache role"}}',
    );
    expect(error.message).toBe(
      `${ACTION}: HTTP 401, errorCode 210: Permission Denied: no vcache role`,
    );
    expect(error.retryable).toBe(false);
  });

  it('carries the requestId of an error body when there is one', () => {
    const body = `{"responseError":{"requestId":"req-1","returnCode":"1000","returnMessage":"x"}}`;
    expect(failure(500, body).requestId).toBe('req-1');
    expect(failure(401, gateway('200', 'x')).requestId).toBeUndefined();
  });

  it('describes an unreadable or unexpected body with a short one-line excerpt', () => {
    const html = failure(200, `<html>\n<body>${'x'.repeat(1000)}</body></html>`);
    expect(html.code).toBe('UNEXPECTED_BODY');
    expect(html.message).toBe(
      `${ACTION}: HTTP 200, unexpected answer: <html> <body>${'x'.repeat(287)}…`,
    );
    expect(failure(200, 'Service\tUnavailable\r\n').message).toBe(
      `${ACTION}: HTTP 200, unreadable answer: Service Unavailable`,
    );
    expect(failure(200, '').message).toBe(`${ACTION}: HTTP 200, unreadable answer (empty body)`);
    expect(failure(404, '').message).toBe(`${ACTION}: HTTP 404, unreadable answer (empty body)`);
  });
});

describe('Retry-After', () => {
  it('is read from delta-seconds and from an HTTP-date, on any error', () => {
    expect(failure(429, gateway('420', 'x'), { 'retry-after': '7' }).retryAfterMs).toBe(7000);
    const date = new Date(NOW + 30_000).toUTCString();
    expect(failure(503, gateway('500', 'x'), { 'retry-after': date }).retryAfterMs).toBe(30_000);
    expect(failure(429, '', { 'Retry-After': ['2', '9'] }).retryAfterMs).toBe(2000);
    expect(failure(429, '').retryAfterMs).toBeUndefined();
  });

  it.each([
    ['0', 0],
    [' 15 ', 15_000],
    ['Sun, 01 Jun 2025 00:01:00 GMT', 60_000],
    ['Sat, 31 May 2025 23:00:00 GMT', 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['Mon, 99 Foo 2025 00:00:00 GMT', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('clock skew on auth failures', () => {
  const body = JSON.stringify({ error: { errorCode: '200', message: 'Authentication Failed' } });
  const now = Date.parse('2026-11-26T12:00:00Z');
  const answer = (date: string | undefined) =>
    parseNcpResponse({
      action: 'exportBackupToObjectStorage',
      httpStatus: 401,
      headers: date ? { date } : {},
      body,
      now,
    });

  it('names the clock when the gateway clock is 5 minutes or more away', () => {
    const behind = answer('Thu, 26 Nov 2026 12:06:02 GMT');
    expect(behind.ok).toBe(false);
    if (behind.ok) return;
    expect(behind.error.kind).toBe('auth');
    expect(behind.error.message).toContain("this host's clock is 6 min 2 s behind NCP's");
    const ahead = answer('Thu, 26 Nov 2026 11:54:00 GMT');
    expect(!ahead.ok && ahead.error.message).toContain('6 min 0 s ahead of');
  });

  it('says nothing of the clock when it is close, or unknown', () => {
    for (const date of ['Thu, 26 Nov 2026 12:04:00 GMT', undefined, 'not a date']) {
      const result = answer(date);
      expect(!result.ok && result.error.message).toBe(
        'exportBackupToObjectStorage: HTTP 401, errorCode 200: Authentication Failed',
      );
    }
  });
});
