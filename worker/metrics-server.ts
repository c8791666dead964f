/**
 * A worker's metrics endpoint (METRICS_PORT): `GET /metrics` in Prometheus text format, the
 * same metrics as the HTTP service's /metrics, and `GET /healthz`. Nothing else is served.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../shared/logger.ts';

export interface MetricsServer {
  /** The port it listens on (useful with METRICS_PORT=0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  registry: Registry,
  options: { port: number; host: string; logger: Logger },
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      // The worker's connection queues commands through a Redis outage: don't hang the scrape.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Redis did not answer within 5 s')), 5000);
      });
      Promise.race([registry.metrics(), timeout])
        .finally(() => clearTimeout(timer))
        .then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (error: unknown) => {
            options.logger.warn({ err: error }, 'metrics scrape failed');
            response.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
          },
        );
    } else if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port, host: options.host }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
