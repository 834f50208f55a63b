import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

/**
 * Profiles another node process through its inspector (started with `--inspect=127.0.0.1:<port>`
 * in NODE_OPTIONS; node 20 refuses `--cpu-prof` there). Only the window between `start` and
 * `stop` is sampled, so start-up and shutdown stay out of the figures.
 */
export async function connectProfiler(inspectPort: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectPort}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });

  await send('Profiler.enable');
  // 1 ms sampling: fine enough for a few seconds of load, coarse enough to cost little.
  await send('Profiler.setSamplingInterval', { interval: 1000 });
  return {
    start: () => send('Profiler.start'),
    /** Stops sampling and writes `<dir>/<name>.cpuprofile` (opens in Chrome DevTools); returns its path. */
    async stop(dir: string, name: string): Promise<string> {
      const result = (await send('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      socket.close();
      return file;
    },
  };
}
