/**
 * A TCP relay in front of a local HTTP server that notes the value of one request header in
 * every request passing through (keep-alive included), and passes everything else on untouched:
 * when the server resets or closes a connection, so does the relay. For tests that must know
 * exactly what a client sent, such as every signature, without changing the server.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface HeaderTap {
  /** Origin to give the client instead of the server's. */
  url: string;
  /** Every value of the header seen so far, in order. */
  values: string[];
  close(): Promise<void>;
}

export async function startHeaderTap(target: string, header: string): Promise<HeaderTap> {
  const { hostname, port } = new URL(target);
  const values: string[] = [];
  const sockets = new Set<Socket>();
  const line = new RegExp(`^${header}:[ \\t]*(.*?)[ \\t]*$`, 'gim');

  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      // Only whole header blocks: a header line may be split across chunks.
      const end = pending.lastIndexOf('\r\n\r\n');
      if (end === -1) return;
      for (const match of pending.slice(0, end).matchAll(line)) values.push(match[1]!);
      pending = pending.slice(end + 4);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.resetAndDestroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const tapPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${tapPort}`,
    values,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
