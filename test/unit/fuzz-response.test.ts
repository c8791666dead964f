/**
 * Property tests of the NCP answer parser against whatever a gateway, a proxy or an attacker in
 * between could send: random text and bytes, every truncation of a real answer, entity bombs,
 * external entities, DOCTYPE games, deep nesting and bodies up to the size cap. It never throws,
 * never expands an entity, classifies by status and shape, and everything it returns for the
 * outcome record is one bounded line.
 */
import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../shared/contract.ts';
import { NcpError } from '../../shared/ncp/errors.ts';
import { type ParsedNcpResponse, parseNcpResponse } from '../../shared/ncp/response.ts';

const ACTION = 'exportBackupToObjectStorage';
const OK_JSON = `{"${ACTION}Response":{"requestId":"e7102f5d-4199-4464-a5df-4b405b295f8e","returnCode":"0","returnMessage":"success","totalRows":1}}\n`;
const OK_XML = `<?xml version="1.0" encoding="UTF-8"?>\n<${ACTION}Response>\n  <requestId>e7102f5d-4199-4464-a5df-4b405b295f8e</requestId>\n  <returnCode>0</returnCode>\n  <returnMessage>success</returnMessage>\n</${ACTION}Response>\n`;
const GATEWAY_401 =
  '{"error":{"errorCode":"200","message":"Authentication Failed","details":"Invalid signature"}}';

function parse(httpStatus: number, body: string, retryAfter?: string): ParsedNcpResponse {
  const headers = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  return parseNcpResponse({ action: ACTION, httpStatus, headers, body, now: 1_700_000_000_000 });
}

/** Everything the parser hands on is one line of bounded length, and the kinds are known. */
function expectTidy(result: ParsedNcpResponse, httpStatus: number): void {
  if (result.ok) {
    expect(httpStatus).toBeGreaterThanOrEqual(200);
    expect(httpStatus).toBeLessThan(300);
    expect(result.response.returnCode).toBe('0');
    expect(result.response.requestId).toMatch(/^[^\p{Cc}]{0,128}$/u);
    expect(result.response.returnMessage).toMatch(/^[^\p{Cc}]{0,301}$/u);
    return;
  }
  const { error } = result;
  expect(error).toBeInstanceOf(NcpError);
  expect(ERROR_KINDS).toContain(error.kind);
  expect(error.httpStatus).toBe(httpStatus);
  expect(error.code).toMatch(/^[^\p{Cc}]{1,64}$/u);
  expect(error.message).toMatch(/^[^\p{Cc}]{1,500}$/u);
  if (error.requestId !== undefined) expect(error.requestId).toMatch(/^[^\p{Cc}]{1,128}$/u);
  if (error.retryAfterMs !== undefined) {
    expect(Number.isSafeInteger(error.retryAfterMs) && error.retryAfterMs >= 0).toBe(true);
  }
}

const status = fc.oneof(
  fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 413, 429, 500, 502, 503, 504),
  fc.integer({ min: 0, max: 999 }),
);
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom(
      '<',
      '>',
      '/',
      '!',
      '?',
      '&',
      ';',
      '#',
      '"',
      '{',
      '}',
      '[',
      ']',
      ':',
      ',',
      'a',
      '0',
      ' ',
      '\n',
      '\u0000',
      '\u001b',
      'x',
      'DOCTYPE',
      'ENTITY',
      '<![CDATA[',
      ']]>',
      ACTION,
      'Response',
      'returnCode',
      'error',
      'responseError',
      'errorCode',
      '__proto__',
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

describe('parseNcpResponse against XML attacks', () => {
  /** A TCP listener that counts connections: no external entity may ever be fetched. */
  let listener: Server;
  let connections = 0;
  let url = '';
  beforeAll(async () => {
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const address = listener.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/x`;
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
  });

  it('never expands entities: billion laughs, external and parameter entities', async () => {
    const attack = fc.oneof(
      // Billion laughs: `levels` entities, each `fanOut` references to the one before.
      fc
        .record({
          levels: fc.integer({ min: 1, max: 12 }),
          fanOut: fc.integer({ min: 2, max: 12 }),
        })
        .map(({ levels, fanOut }) => {
          const defs = ['<!ENTITY e0 "lol">'];
          for (let i = 1; i <= levels; i++) {
            defs.push(`<!ENTITY e${i} "${`&e${i - 1};`.repeat(fanOut)}">`);
          }
          return { doctype: `<!DOCTYPE r [${defs.join('')}]>`, ref: `&e${levels};` };
        }),
      fc
        .constantFrom('SYSTEM "file:///etc/passwd"', `SYSTEM "URL"`, `PUBLIC "-//x//y" "URL"`)
        .map((source) => ({
          doctype: `<!DOCTYPE r [<!ENTITY ext ${source}>]>`,
          ref: '&ext;',
        })),
      fc.constant({ doctype: '<!DOCTYPE r [<!ENTITY % p SYSTEM "URL"> %p;]>', ref: '&p;' }),
      fc.constant({ doctype: '<!DOCTYPE r SYSTEM "URL">', ref: '&x;' }),
      fc.constant({ doctype: '<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', ref: '&a;' }),
    );
    const where = fc.constantFrom('requestId', 'returnMessage', 'returnCode');
    let slowest = 0;
    fc.assert(
      fc.property(attack, where, status, ({ doctype, ref }, element, code) => {
        const inner = ['requestId', 'returnCode', 'returnMessage']
          .map(
            (name) =>
              `<${name}>${name === element ? ref : name === 'returnCode' ? '0' : 'x'}</${name}>`,
          )
          .join('');
        const body = `<?xml version="1.0"?>${doctype.replaceAll('URL', url)}<${ACTION}Response>${inner}</${ACTION}Response>`;
        const started = performance.now();
        const result = parse(code, body);
        slowest = Math.max(slowest, performance.now() - started);
        expectTidy(result, code);
        // Nothing grew: an expanded entity would make some field longer than the whole body.
        const texts = result.ok
          ? [
              result.response.requestId,
              result.response.returnMessage,
              JSON.stringify(result.response.body),
            ]
          : [result.error.message];
        for (const text of texts) expect(text.length).toBeLessThanOrEqual(body.length + 100);
        expect(texts.join('')).not.toMatch(/root:|lollol/);
        if (result.ok) expect(result.response.body[element]).toBe(ref);
      }),
      { numRuns: 300 },
    );
    // A bomb of 10^12 "lol"s would take minutes and gigabytes if it were expanded.
    expect(slowest).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(0);
  });

  it('survives nesting, width and length up to the 4 MiB cap, as protocol or success', () => {
    const MIB = 1024 * 1024;
    const big = fc.record({
      kind: fc.constantFrom(
        'json-deep',
        'xml-deep',
        'xml-open',
        'xml-wide',
        'json-wide',
        'xml-text',
      ),
      bytes: fc.integer({ min: 1024, max: MIB / 2 }),
    });
    const build = (kind: string, bytes: number): string => {
      switch (kind) {
        case 'json-deep':
          return `{"a":${'['.repeat(bytes / 2)}${']'.repeat(bytes / 2)}}`;
        case 'xml-deep':
          return `${'<a>'.repeat(bytes / 7)}${'</a>'.repeat(bytes / 7)}`;
        case 'xml-open':
          return '<a>'.repeat(bytes / 3);
        case 'xml-wide':
          return `<${ACTION}Response>${'<x>1</x>'.repeat(bytes / 8)}<returnCode>0</returnCode></${ACTION}Response>`;
        case 'json-wide':
          return `{"${ACTION}Response":{"returnCode":"0","x":[${'1,'.repeat(bytes / 2)}1]}}`;
        default:
          return `<${ACTION}Response><returnCode>0</returnCode><returnMessage>${'&amp;'.repeat(bytes / 5)}</returnMessage></${ACTION}Response>`;
      }
    };
    const run = (kind: string, bytes: number) => {
      const result = parse(200, build(kind, Math.floor(bytes)));
      expectTidy(result, 200);
      const wide = kind.endsWith('wide') || kind === 'xml-text';
      expect(result.ok ? 'success' : result.error.kind).toBe(wide ? 'success' : 'protocol');
    };
    fc.assert(
      fc.property(big, ({ kind, bytes }) => run(kind, bytes)),
      { numRuns: 12 },
    );
    // The worst cases measured, at the client's default cap.
    run('xml-deep', 4 * MIB);
    run('json-deep', 4 * MIB);
  });
});
