/** A webhook receiver on a real loopback socket: records what is posted, answers as told. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  body: unknown;
  headers: IncomingMessage['headers'];
  /** The status answered ('hang': none). */
  answer: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests have arrived in all. */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** `answer(n)`: the status for the n-th request (1-based), or 'hang' to never answer. */
export async function startWebhookReceiver(
  answer: (n: number) => number | 'hang' = () => 200,
): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: (r: Received[]) => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = answer(received.length + 1);
      received.push({
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        headers: request.headers,
        answer: status,
      });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(received);
      }
      if (status === 'hang') hanging.push(response);
      else response.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/secret-path-token`,
    received,
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve(received)
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
