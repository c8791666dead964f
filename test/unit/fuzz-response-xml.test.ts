/**
 * Property tests of the NCP answer parser against XML attacks and bodies up to the size cap:
 * entity bombs, external and parameter entities, DOCTYPE games, deep nesting and width. It never
 * throws, never expands an entity, never fetches anything, and classifies the answer.
 */
import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, expectTidy, parse, status } from './fuzz-answer.ts';

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
