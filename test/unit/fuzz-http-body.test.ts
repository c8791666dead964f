/**
 * Property tests of the NCP client's body handling on a real loopback socket: bodies of any size
 * around the cap, declared or chunked, written in pieces of any size; bodies cut off by a closed
 * connection; bodies that never end. Each ends in the one classified error it should, in time.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NcpClient } from '../../shared/ncp/client.ts';
import { NcpError } from '../../shared/ncp/errors.ts';

const ACTION = 'getRegionList';

/** What the server does with the next request. */
type Behaviour = (res: ServerResponse) => void;
let behave: Behaviour = (res) => res.end();
const server = createServer((_req, res) => behave(res));
let url = '';

/** Errors no one awaited: in a worker process, each would be a crash. */
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => void uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A success answer of exactly `bytes` bytes (at least the bare answer's length). */
function answerOf(bytes: number): Buffer {
  const bare = `{"${ACTION}Response":{"returnCode":"0","pad":""}}`;
  return Buffer.from(
    bare.replace('"pad":""', `"pad":"${'p'.repeat(Math.max(0, bytes - bare.length))}"`),
  );
}

/** Writes `body` in pieces of `piece` bytes, one per tick; then ends, or stops as told. */
function writeSlowly(
  res: ServerResponse,
  body: Buffer,
  piece: number,
  then: 'end' | 'destroy' | 'stall',
) {
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= body.length) {
      if (then === 'end') res.end();
      else if (then === 'destroy') res.socket?.destroy();
      return;
    }
    res.write(body.subarray(at, at + piece));
    at += piece;
    setImmediate(next);
  };
  next();
}

async function call(options: { maxResponseBytes: number; timeoutMs?: number }) {
  const client = new NcpClient({
    apiUrl: url,
    accessKey: 'AK',
    secretKey: 'SK-never-in-errors',
    responseFormat: 'json',
    timeoutMs: options.timeoutMs ?? 5000,
    maxResponseBytes: options.maxResponseBytes,
  });
  const started = performance.now();
  try {
    await client.call('vcache', ACTION, {});
    return { outcome: 'ok', ms: performance.now() - started };
  } catch (error) {
    expect(error).toBeInstanceOf(NcpError);
    const e = error as NcpError;
    expect(e.message).not.toContain('SK-never-in-errors');
    return { outcome: `${e.kind} ${e.code}`, ms: performance.now() - started };
  } finally {
    await client.close();
    // A dropped body fails on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(uncaught.splice(0).map(String)).toEqual([]);
  }
}

// Dozens of real HTTP exchanges per property: minutes on two busy cores, seconds on a quiet one.
describe('NcpClient body handling, fuzzed', { timeout: 180_000 }, () => {
  it('accepts a body up to the cap and refuses one byte more, declared or chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 64, max: 16_384 }),
        fc
          .integer({ min: -3, max: 3 })
          .chain((near) => fc.oneof(fc.constant(near), fc.integer({ min: -2000, max: 200_000 }))),
        fc.boolean(),
        fc.integer({ min: 1, max: 70_000 }),
        async (cap, offset, declared, piece) => {
          const body = answerOf(Math.max(60, cap + offset));
          behave = (res) => {
            res.writeHead(200, declared ? { 'content-length': String(body.length) } : {});
            writeSlowly(res, body, piece, 'end');
          };
          const { outcome } = await call({ maxResponseBytes: cap });
          expect(outcome).toBe(body.length <= cap ? 'ok' : 'protocol RESPONSE_TOO_LARGE');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stops an endless body at the cap, long before the timeout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000_000 }),
        // Pieces of 1 byte would make the server, not the client, the slow part on busy cores.
        fc.integer({ min: 512, max: 65_536 }),
        async (cap, piece) => {
          let written = 0;
          behave = (res) => {
            res.writeHead(200);
            const chunk = Buffer.alloc(piece, 0x7b);
            const pump = () => {
              while (!res.destroyed && res.write(chunk)) written += piece;
              if (!res.destroyed) res.once('drain', pump);
            };
            pump();
          };
          // Stopped by the cap: a body read to the timeout would end as 'timeout TIMEOUT'.
          const { outcome } = await call({ maxResponseBytes: cap, timeoutMs: 10_000 });
          expect(outcome).toBe('protocol RESPONSE_TOO_LARGE');
          // What the server got onto the socket: the cap plus what the socket buffers held.
          expect(written).toBeLessThan(cap + 16 * 1024 * 1024);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reports a body cut off by a closed connection as a network error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 50_000 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.boolean(),
        // One piece per turn of the event loop: below 256 bytes a 50 KB body takes thousands of
        // turns, which on busy cores outlasts the test, not the client.
        fc.integer({ min: 256, max: 8192 }),
        async (size, fraction, declared, piece) => {
          const body = answerOf(size);
          const sent = body.subarray(0, Math.floor(body.length * fraction));
          behave = (res) => {
            res.writeHead(200, declared ? { 'content-length': String(body.length) } : {});
            writeSlowly(res, sent, piece, 'destroy');
          };
          const { outcome } = await call({ maxResponseBytes: 1_000_000 });
          expect(outcome).toMatch(/^network (UND_ERR_SOCKET|ECONNRESET)$/);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('times out a body that never ends, at the timeout', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 20_000 }),
        fc.boolean(),
        fc.integer({ min: 50, max: 150 }),
        async (size, declared, timeoutMs) => {
          const body = answerOf(size).subarray(0, size);
          behave = (res) => {
            res.writeHead(200, declared ? { 'content-length': String(body.length + 1) } : {});
            writeSlowly(res, body, 4096, 'stall');
          };
          const { outcome, ms } = await call({ maxResponseBytes: 1_000_000, timeoutMs });
          expect(outcome).toBe('timeout TIMEOUT');
          expect(ms).toBeGreaterThanOrEqual(timeoutMs - 5);
          expect(ms).toBeLessThan(timeoutMs + 2000);
        },
      ),
      { numRuns: 12 },
    );
  });
});
