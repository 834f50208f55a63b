import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { findFreePort } from './ports.ts';

export interface TcpBalancer {
  port: number;
  /** `host:port` of each upstream, in the order they are tried. */
  upstreams: string[];
  /** How many connections went to each upstream (by index). */
  forwarded(): number[];
  close(): Promise<void>;
}

function dial(address: string, timeoutMs: number): Promise<Socket> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    address.slice(address.lastIndexOf(':') + 1),
  ];
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port: Number(port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${address} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Test-time stand-in for the load balancer (or DNS) in front of a LiveKit cluster: a loopback TCP
 * proxy that sends each new connection to the first upstream that accepts it, so one URL keeps
 * working when a node dies. A connection already forwarded dies with its upstream, as it would
 * behind a real balancer; the client's own reconnect then lands on a live node.
 */
export async function startTcpBalancer(opts: {
  upstreams: string[];
  port?: number;
  connectTimeoutMs?: number;
}): Promise<TcpBalancer> {
  const upstreams = [...opts.upstreams];
  const counts = upstreams.map(() => 0);
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    client.on('error', () => {});
    void (async () => {
      for (const [i, address] of upstreams.entries()) {
        let upstream: Socket;
        try {
          upstream = await dial(address, opts.connectTimeoutMs ?? 1_000);
        } catch {
          continue;
        }
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        counts[i] = (counts[i] ?? 0) + 1;
        track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        return;
      }
      client.destroy();
    })();
  });
  const port = opts.port ?? (await findFreePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    upstreams,
    forwarded: () => [...counts],
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
