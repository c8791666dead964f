/**
 * A TCP relay in front of a Redis that can stop at an exact point of a client's traffic: after
 * `limit` bytes sent to Redis, it either cuts every connection and stops listening (Redis gone,
 * as the client sees it: connections refused) or holds what comes next until released. Redis itself only ever sees
 * the bytes before the limit, so what it executed is known whatever the machine's speed.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export type GateMode = 'cut' | 'hold';

export interface RedisGate {
  /** redis://127.0.0.1:<gate port>, with `auth` (user:password@) if given. */
  url: string;
  port: number;
  /** Bytes clients sent to Redis through the gate so far. */
  readonly forwarded: number;
  /** Resolves when the limit is reached (connections cut, or traffic held). */
  readonly tripped: Promise<void>;
  /** In hold mode: lets the held traffic and everything after it through. */
  release(): void;
  close(): Promise<void>;
}

export async function redisGate(
  targetPort: number,
  options: { mode: GateMode; limit: number; auth?: string },
): Promise<RedisGate> {
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let state: 'open' | 'tripped' | 'released' = 'open';
  let trip!: () => void;
  const tripped = new Promise<void>((resolve) => {
    trip = resolve;
  });
  const held: (() => void)[] = [];

  const server = createServer((client) => {
    const redis = connect(targetPort, '127.0.0.1');
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        redis.destroy();
      });
    }
    redis.on('data', (data) => client.write(data));
    client.on('data', (data: Buffer) => {
      if (state === 'tripped') {
        held.push(() => redis.write(data));
        return;
      }
      if (state === 'released' || forwarded + data.length < options.limit) {
        forwarded += data.length;
        redis.write(data);
        return;
      }
      const head = data.subarray(0, options.limit - forwarded);
      forwarded += head.length;
      redis.write(head);
      state = 'tripped';
      if (options.mode === 'cut') {
        // As a stopped Redis: connections refused from now on, not accepted then dropped.
        server.close();
        for (const socket of sockets) socket.destroy();
      } else {
        const rest = data.subarray(head.length);
        held.push(() => redis.write(rest));
      }
      trip();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://${options.auth ? `${options.auth}@` : ''}127.0.0.1:${port}`,
    port,
    get forwarded() {
      return forwarded;
    },
    tripped,
    release() {
      state = 'released';
      for (const write of held.splice(0)) write();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
