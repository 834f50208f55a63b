import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { diesWithParent } from '../stack/dies-with-parent.ts';
import { findFreePort } from './ports.ts';

export interface RedisServer {
  /** `127.0.0.1:<port>`, as livekit.yaml's `redis.address` takes it. */
  address: string;
  port: number;
  pid: number;
  /** One command; the reply as text (null for a nil reply). Enough for HGET and friends. */
  command(...args: string[]): Promise<string | null>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Sends one RESP command and parses a simple, error, integer or bulk reply. */
function command(port: number, args: string[]): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = Buffer.alloc(0);
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis: no reply within 2 s')));
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    );
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      const text = reply.toString('utf8');
      const eol = text.indexOf('\r\n');
      if (eol < 0) return;
      const head = text.slice(0, eol);
      const kind = head[0];
      if (kind === '$') {
        const length = Number(head.slice(1));
        if (length < 0) return finish(null);
        if (reply.length < Buffer.byteLength(head) + 2 + length + 2) return;
        return finish(
          reply.subarray(Buffer.byteLength(head) + 2, Buffer.byteLength(head) + 2 + length).toString(),
        );
      }
      if (kind === '-') return fail(head.slice(1));
      return finish(head.slice(1));
    });
    function finish(value: string | null) {
      socket.destroy();
      resolve(value);
    }
    function fail(message: string) {
      socket.destroy();
      reject(new Error(`redis: ${message}`));
    }
  });
}

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
  const line = diesWithParent(binary, args);
  const child = spawn(line.command, line.args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    command: (...cmd) => command(port, cmd),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
