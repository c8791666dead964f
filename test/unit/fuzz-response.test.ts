/**
 * Property tests of the NCP answer parser against whatever a gateway, a proxy or an attacker in
 * between could send: random text and bytes, any JSON in NCP's fields, every truncation of a real
 * answer. It never throws, classifies by status and shape, and everything it returns for the
 * outcome record is one bounded line. XML attacks and huge bodies: fuzz-response-xml.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NcpError } from '../../shared/ncp/errors.ts';
import type { ParsedNcpResponse } from '../../shared/ncp/response.ts';
import { ACTION, expectTidy, parse, status } from './fuzz-answer.ts';

const OK_JSON = `{"${ACTION}Response":{"requestId":"e7102f5d-4199-4464-a5df-4b405b295f8e","returnCode":"0","returnMessage":"success","totalRows":1}}\n`;
const OK_XML = `<?xml version="1.0" encoding="UTF-8"?>\n<${ACTION}Response>\n  <requestId>e7102f5d-4199-4464-a5df-4b405b295f8e</requestId>\n  <returnCode>0</returnCode>\n  <returnMessage>success</returnMessage>\n</${ACTION}Response>\n`;
const GATEWAY_401 =
  '{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid signature"}}';

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom(
      ...'<>/!?&;#"{}[]:,a0x \n\u0000\u001b'.split(''),
      ...['DOCTYPE', 'ENTITY', '<![CDATA[', ']]>', ACTION, 'Response', 'returnCode', 'error'],
      ...['responseError', 'errorCode', '__proto__'],
    ),
    maxLength: 60,
  }),
  // Bytes off the wire, decoded as the client decodes them (invalid UTF-8 becomes U+FFFD).
  fc.uint8Array({ maxLength: 300 }).map((bytes) => new TextDecoder().decode(bytes)),
);

describe('parseNcpResponse, fuzzed', () => {
  it('never throws on random bodies, statuses and Retry-After values', () => {
    fc.assert(
      fc.property(status, hostileText, fc.option(hostileText), (code, body, retryAfter) => {
        expectTidy(parse(code, body, retryAfter ?? undefined), code);
      }),
      { numRuns: 1500 },
    );
  });

  it('reads any JSON in the places NCP puts its fields, and keeps what it returns tidy', () => {
    // JSON text of one field: any value, any string, a long one, or nesting JSON.parse reads
    // iteratively but a recursive walk (JSON.stringify, zod) cannot.
    const field = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary' }).map((value) => JSON.stringify(value)),
      fc.constant(`"${'9'.repeat(2000)}"`),
      fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    );
    const object = (root: string, keys: string[]) =>
      fc
        .uniqueArray(fc.tuple(fc.constantFrom(...keys), field), { selector: ([key]) => key })
        .map((pairs) => `{"${root}":{${pairs.map(([k, v]) => `"${k}":${v}`).join(',')}}}`);
    const shape = fc.oneof(
      object('error', ['errorCode', 'message', 'details', 'requestId']),
      object('responseError', [
        'returnCode',
        'returnMessage',
        'responseCode',
        'responseMessage',
        'requestId',
      ]),
      object(`${ACTION}Response`, ['returnCode', 'returnMessage', 'requestId', '__proto__']),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(status, shape, (code, body) => {
        expectTidy(parse(code, body), code);
      }),
      { numRuns: 1000 },
    );
  });

  it('shortens what the fuzzing found too long or too odd to pass on', () => {
    const deep = `{"error":{"errorCode":"500","message":"Endpoint Error","details":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    const long = `{"error":{"errorCode":"2\\u001b[31m${'9'.repeat(100)}","requestId":"${'r'.repeat(200)}"}}`;
    const noCode = `{"${ACTION}Response":{"requestId":"a\\nb","returnMessage":"x"}}`;
    const summary = (result: ParsedNcpResponse) =>
      result.ok ? 'ok' : `${result.error.kind} ${result.error.code} | ${result.error.message}`;
    expect(summary(parse(503, deep))).toBe(
      `server 500 | ${ACTION}: HTTP 503, errorCode 500: Endpoint Error: [details nested too deeply to show]`,
    );
    const error = (parse(401, long) as { error: NcpError }).error;
    expect(error.code).toBe(`2 [31m${'9'.repeat(57)}…`);
    expect(error.requestId).toBe(`${'r'.repeat(127)}…`);
    expect(summary(parse(200, noCode))).toBe(
      `protocol MISSING_RETURN_CODE | ${ACTION}: HTTP 200, no returnCode: x`,
    );
    const ok = parse(
      200,
      `{"${ACTION}Response":{"returnCode":"0","returnMessage":"a\\r\\nb\\u0007"}}`,
    );
    expect(ok.ok && ok.response.returnMessage).toBe('a b');
  });

  it('classifies every truncation of an answer by its status, and accepts only the whole', () => {
    const cases: Array<[number, string, string]> = [
      [200, OK_JSON, 'success'],
      [200, OK_XML, 'success'],
      [401, GATEWAY_401, 'auth'],
      [429, GATEWAY_401, 'throttled'],
      [503, OK_XML, 'server'],
      [400, OK_JSON, 'invalid'],
    ];
    let checked = 0;
    for (const [code, body, expected] of cases) {
      for (let end = 0; end <= body.length; end++) {
        const prefix = body.slice(0, end);
        const result = parse(code, prefix);
        expectTidy(result, code);
        const whole = prefix.trim() === body.trim();
        if (expected === 'success') {
          expect(result.ok).toBe(whole);
          if (!result.ok && !whole) {
            expect(result.error.kind).toBe('protocol');
            expect(['MALFORMED_BODY', 'UNEXPECTED_BODY']).toContain(result.error.code);
          }
        } else {
          expect(result.ok ? 'success' : result.error.kind).toBe(expected);
        }
        checked++;
      }
    }
    expect(checked).toBe(cases.reduce((sum, [, body]) => sum + body.length + 1, 0));
  });
});
