import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findFreePort } from '../livekit/ports.ts';
import { diesWithParent } from '../stack/dies-with-parent.ts';
import { defaultMinioBinary } from './binary.ts';

export interface MinioOptions {
  binary?: string;
  /** Kept as it is when given (a restart test may reuse it); a temporary one otherwise. */
  dataDir?: string;
  /** The S3 port; a free loopback port when absent. */
  port?: number;
  /** Appended to across restarts; kept when given, else it goes with the temporary dir. */
  logFile?: string;
}

/** A real S3 server on loopback, as the integration tests use it (see DESIGN.md §7). */
export interface MinioServer {
  /** `http://127.0.0.1:<port>`: S3 clients need path-style addressing on it. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  port: number;
  dataDir: string;
  /** Ends the server for good and removes what it made in /tmp. */
  stop(): Promise<void>;
  /** SIGKILL, as a crashed host: the data dir stays, so `start()` can bring the same store back. */
  kill(): Promise<void>;
  /** Starts it again on the same port, data dir and credentials, after `kill()`; for outage tests. */
  start(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Temporary dirs (data, certs, log): none outlives the test process. */
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  // Synchronous, as 'exit' allows.
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment without the caller's MINIO_* settings: only ours may shape the server. */
function minioEnv(user: string, password: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('MINIO_')) env[name] = value;
  }
  return { ...env, MINIO_ROOT_USER: user, MINIO_ROOT_PASSWORD: password, MINIO_UPDATE: 'off' };
}

function logTail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
}

export async function startMinio(opts: MinioOptions = {}): Promise<MinioServer> {
  const binary = opts.binary ?? defaultMinioBinary();
  if (!existsSync(binary)) {
    throw new Error(`minio not found at ${binary}: run "bash scripts/setup.sh"`);
  }
  const port = opts.port ?? (await findFreePort());
  const consolePort = await findFreePort();
  // mkdtemp makes it 0700: the root password is in the server's environment, not on disk, but
  // the objects are.
  const tempDir = mkdtempSync(join(tmpdir(), 'voicedesk-minio-'));
  tempDirs.add(tempDir);
  const dataDir = opts.dataDir ?? join(tempDir, 'data');
  // Without --certs-dir MinIO makes ~/.minio/certs: nothing of a test run belongs in $HOME.
  const certsDir = join(tempDir, 'certs');
  const logFile = opts.logFile ?? join(tempDir, 'minio.log');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(logFile), { recursive: true });
  const accessKeyId = `vd${randomBytes(9).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const endpoint = `http://127.0.0.1:${port}`;
  const args = [
    'server',
    dataDir,
    '--address',
    `127.0.0.1:${port}`,
    '--console-address',
    `127.0.0.1:${consolePort}`,
    '--certs-dir',
    certsDir,
  ];

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  async function launch() {
    const log = createWriteStream(logFile, { flags: 'a' });
    const line = diesWithParent(binary, args);
    const proc = spawn(line.command, line.args, {
      env: minioEnv(accessKeyId, secretAccessKey),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Two sources into one log: neither may end it for the other.
    proc.stdout?.pipe(log, { end: false });
    proc.stderr?.pipe(log, { end: false });
    running.add(proc);
    let spawnError: Error | undefined;
    proc.on('error', (err) => {
      spawnError = err;
    });
    child = proc;
    exited = new Promise<void>((resolve) => {
      proc.on('close', () => {
        running.delete(proc);
        log.end();
        resolve();
      });
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !spawnError && proc.exitCode === null) {
      try {
        const res = await fetch(`${endpoint}/minio/health/live`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    await exited;
    throw new Error(
      `minio did not become live at ${endpoint} (log ${logFile}): ${spawnError?.message ?? ''}\n${logTail(logFile)}`,
    );
  }

  async function end(signal: NodeJS.Signals) {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  function removeTempDir() {
    tempDirs.delete(tempDir);
    rmSync(tempDir, { recursive: true, force: true });
  }

  try {
    await launch();
  } catch (err) {
    removeTempDir();
    throw err;
  }

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    port,
    dataDir,
    async stop() {
      stopped = true;
      await end('SIGTERM');
      removeTempDir();
    },
    async kill() {
      await end('SIGKILL');
    },
    async start() {
      if (stopped) throw new Error('minio was stopped for good: kill() it for an outage, then start()');
      if (child && child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
  };
}
