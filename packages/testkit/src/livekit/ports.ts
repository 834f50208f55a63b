import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768–60999 by default). A port the kernel hands out for
 * `listen(0)` comes from that range, where any outgoing connection made before our process
 * binds it can take it (an API once failed to start with EADDRINUSE that way).
 */
const LOW = 20_000;
const HIGH = 32_000;

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Ports this process has handed out. A caller binds its port later (livekit-server takes four
 * at once, a stack's API starts after livekit-server), and until then the port still looks free:
 * most likely how livekit-server once found its HTTP port taken as it started.
 */
const handedOut = new Set<number>();

/** A TCP port free on 127.0.0.1 right now, outside the range outgoing connections use. */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(candidate)) continue;
    const port = await tryListen(candidate);
    if (port) return handOut(port);
  }
  const any = await tryListen(0);
  if (!any) throw new Error('no free TCP port on 127.0.0.1');
  return handOut(any);
}

function handOut(port: number): number {
  handedOut.add(port);
  return port;
}
