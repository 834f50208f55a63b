import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findFreePort } from './ports.ts';

export interface RedisServer {
  /** `127.0.0.1:<port>`, as livekit.yaml's `redis.address` takes it. */
  address: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One PING over RESP; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * A throwaway Redis for a LiveKit cluster in tests: loopback only, a temp dir, nothing persisted,
 * killed on stop. Needs `redis-server` on PATH (scripts/setup.sh installs it).
 */
export async function startRedisServer(
  opts: { binary?: string; logFile?: string } = {},
): Promise<RedisServer> {
  const binary = opts.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = await findFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'voicedesk-redis-'));
  const logFile = opts.logFile ?? join(dir, 'redis.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });
  const exited = new Promise<void>((resolve) => {
    child.on('close', () => {
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    });
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '';
      const why = spawnError ? `${spawnError.message} (run "bash scripts/setup.sh")` : tail;
      throw new Error(`redis-server did not become ready on 127.0.0.1:${port}: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    address: `127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
