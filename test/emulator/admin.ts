/**
 * Admin routes under `/__admin/`, for tests and benchmarks driving an emulator in another
 * process: no auth (a loopback test tool), not counted in the stats, answered at once.
 *
 * - `GET /__admin/stats` → {@link EmulatorStats}
 * - `GET /__admin/exports` → {@link AcceptedExport}[]
 * - `GET /__admin/storage-stats` → the Object Storage stand-in's request counts, or null
 * - `POST /__admin/config` with a JSON {@link EmulatorPatch} → 204 (400 with `{error}` if bad)
 * - `POST /__admin/reset` → 204
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EmulatorConfigError, parsePatch } from './config.ts';
import type { Emulator } from './types.ts';

/** Path prefix of the admin routes. */
export const ADMIN_PREFIX = '/__admin/';

const MAX_ADMIN_BODY = 1024 * 1024;

/** Answers one admin request. */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  emulator: Pick<Emulator, 'stats' | 'exports' | 'configure' | 'reset'> & {
    storageStats?: () => unknown;
  },
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  const route = `${req.method} ${path}`;
  switch (route) {
    case `GET ${ADMIN_PREFIX}stats`:
      return json(res, 200, emulator.stats());
    case `GET ${ADMIN_PREFIX}exports`:
      return json(res, 200, emulator.exports());
    case `GET ${ADMIN_PREFIX}storage-stats`:
      return json(res, 200, emulator.storageStats?.() ?? null);
    case `POST ${ADMIN_PREFIX}reset`:
      emulator.reset();
      return empty(res);
    case `POST ${ADMIN_PREFIX}config`: {
      const text = await readText(req);
      if (text === undefined) return json(res, 413, { error: 'body too large' });
      try {
        emulator.configure(parsePatch(JSON.parse(text || '{}'), 'POST /__admin/config'));
      } catch (err) {
        if (err instanceof SyntaxError || err instanceof EmulatorConfigError) {
          return json(res, 400, { error: err.message });
        }
        throw err;
      }
      return empty(res);
    }
    default:
      return json(res, 404, {
        error: `no admin route ${route}; try GET stats, GET exports, GET storage-stats, POST config, POST reset`,
      });
  }
}

async function readText(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_ADMIN_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function empty(res: ServerResponse): void {
  res.writeHead(204).end();
}
