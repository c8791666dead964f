/**
 * {@link startEmulator}: an HTTP server that behaves like NCP's API gateway in front of
 * Cloud DB for Cache, for `exportBackupToObjectStorage` of the `vredis` and `vcache` APIs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, handleAdmin } from './admin.ts';
import { Catalog } from './catalog.ts';
import { applyPatch, parsePatch, resolveOptions } from './config.ts';
import { FaultPlan } from './faults.ts';
import { handleApiRequest } from './gateway.ts';
import { startObjectStorage } from './object-storage/server.ts';
import { Recorder } from './recorder.ts';
import { GATEWAY_ERRORS, renderGatewayError } from './responses.ts';
import { parseSeed } from './seed.ts';
import type { AcceptedExport, Emulator, EmulatorOptions, EmulatorPatch } from './types.ts';

/**
 * Starts an emulator and resolves once it listens.
 * @throws EmulatorConfigError for bad options, SeedError for a bad seed, or the listen error
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const catalog = new Catalog(parseSeed(options.seed, 'EmulatorOptions.seed'));
  let settings = resolved.settings;
  const recorder = new Recorder(resolved.windowMs);
  const faults = new FaultPlan(settings.faults);
  const lifetime = new AbortController();

  const control = {
    stats: () => recorder.stats(),
    exports: () => recorder.exports(),
    manualBackups: () => recorder.manualBackups(),
    configure(patch: EmulatorPatch): void {
      const checked = parsePatch(patch);
      settings = applyPatch(settings, checked);
      if ('faults' in checked) faults.set(settings.faults);
    },
    reset: () => recorder.reset(),
  };
  const storage = options.objectStorage
    ? await startObjectStorage({
        buckets: options.seed.buckets,
        credentials: options.seed.credentials,
        host: resolved.host,
        port: options.objectStorage.port ?? 0,
        landing: options.objectStorage,
        random: resolved.random,
      })
    : undefined;
  const gateway = {
    catalog,
    recorder,
    faults,
    settings: () => settings,
    random: resolved.random,
    lifetime: lifetime.signal,
    onAccepted: storage
      ? (accepted: AcceptedExport) => {
          const backup = catalog
            .instance(accepted.api, accepted.instanceNo)
            ?.backups.find((b) => b.fileName === accepted.fileName);
          storage.land({ ...accepted, size: backup?.backupSize ?? 1 }, accepted.at);
        }
      : undefined,
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const work = req.url?.startsWith(ADMIN_PREFIX)
      ? handleAdmin(req, res, control)
      : handleApiRequest(req, res, gateway);
    work.catch((err: unknown) => {
      console.error('[ncp-emulator] unexpected error:', err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const { status, contentType, body } = renderGatewayError(
        GATEWAY_ERRORS.unexpectedError,
        'The emulator failed; see its log',
      );
      res.writeHead(status, { 'Content-Type': contentType }).end(body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await storage?.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    ...control,
    objectStorage: storage,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        lifetime.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }).then(() => storage?.close());
      return closing;
    },
  };
}
