import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { diesWithParent } from '../stack/dies-with-parent.ts';
import { defaultLivekitBinary } from './binary.ts';
import { findFreePort } from './ports.ts';

export interface LivekitServerOptions {
  binary?: string;
  port?: number;
  webhookUrls?: string[];
  apiKey?: string;
  apiSecret?: string;
  logFile?: string;
  emptyTimeoutSeconds?: number;
  departureTimeoutSeconds?: number;
  /** `host:port` of a Redis server: nodes sharing one form a cluster (see ./cluster.ts). */
  redisAddress?: string;
  /** ICE over TCP and the UDP media port; free loopback ports when absent. */
  rtcTcpPort?: number;
  rtcUdpPort?: number;
  /** Webhooks queued longer than this are dropped, never delivered (livekit-server's default: 30 s). */
  webhookMaxAgeSeconds?: number;
  /** The embedded TURN server's UDP port (free loopback port when absent); 0 turns TURN off. */
  turnUdpPort?: number;
}

export interface LivekitServer {
  url: string;
  httpUrl: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  pid: number;
  /** The node's id in a cluster (`ND_…`), as Redis maps rooms to nodes. */
  nodeId: string;
  /** Embedded TURN over UDP on loopback, as in production (livekit.yaml), so relay-only clients get through. */
  turnUdpPort: number;
  /** The livekit.yaml it runs on (it holds the API secret): owner-only, removed when the server stops. */
  configFile: string;
  stop(): Promise<void>;
  /** SIGKILL, as a crashed host: nothing is cleaned up in Redis; only our temporary config goes. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Temporary dirs holding a config with the API secret: none outlives the test process. */
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  // Synchronous, as 'exit' allows; livekit-server read its config at start, so a child still
  // dying loses nothing when it goes.
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function removeTempDir(dir: string) {
  tempDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Loopback-only media: the node advertises 127.0.0.1 and offers loopback ICE candidates. */
function renderConfig(o: {
  port: number;
  tcpPort: number;
  udpPort: number;
  apiKey: string;
  apiSecret: string;
  webhookUrls: string[];
  emptyTimeout: number;
  departureTimeout: number;
  redisAddress: string | undefined;
  webhookMaxAgeSeconds: number | undefined;
  turnUdpPort: number;
}): string {
  const turn =
    o.turnUdpPort > 0
      ? [
          // TURN over UDP only: TLS needs a certificate browsers trust, which loopback has not.
          'turn:',
          '  enabled: true',
          `  udp_port: ${o.turnUdpPort}`,
          '  bind_addresses:',
          '    - 127.0.0.1',
          // The relay forwards to this node's own loopback media address, which TURN refuses by default.
          '  allow_restricted_peer_cidrs:',
          '    - 127.0.0.1/32',
        ]
      : [];
  const lines = [
    `port: ${o.port}`,
    'bind_addresses:',
    '  - 127.0.0.1',
    'rtc:',
    `  tcp_port: ${o.tcpPort}`,
    `  udp_port: ${o.udpPort}`,
    '  use_external_ip: false',
    '  enable_loopback_candidate: true',
    '  node_ip: 127.0.0.1',
    '  ips:',
    '    includes:',
    '      - 127.0.0.1/32',
    ...turn,
    'keys:',
    `  ${o.apiKey}: ${o.apiSecret}`,
    'room:',
    // As in production (livekit.yaml): only the API creates rooms.
    '  auto_create: false',
    `  empty_timeout: ${o.emptyTimeout}`,
    `  departure_timeout: ${o.departureTimeout}`,
    'logging:',
    '  level: info',
  ];
  if (o.redisAddress) lines.push('redis:', `  address: ${o.redisAddress}`);
  if (o.webhookUrls.length) {
    lines.push('webhook:', `  api_key: ${o.apiKey}`, '  urls:', ...o.webhookUrls.map((u) => `    - ${u}`));
    if (o.webhookMaxAgeSeconds !== undefined) {
      lines.push('  resource_url_notifier:', `    max_age: ${o.webhookMaxAgeSeconds}s`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function waitHealthy(httpUrl: string, child: ChildProcess, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(httpUrl);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`livekit-server did not become ready at ${httpUrl} (log ${logFile}):\n${tail}`);
}

export async function startLivekitServer(opts: LivekitServerOptions = {}): Promise<LivekitServer> {
  const binary = opts.binary ?? defaultLivekitBinary();
  if (!existsSync(binary)) {
    throw new Error(`livekit-server not found at ${binary}: run "bash scripts/setup.sh"`);
  }
  const apiKey = opts.apiKey ?? 'devkey';
  // livekit-server warns about secrets under 32 characters; tests use a long one too.
  const apiSecret = opts.apiSecret ?? 'voicedesk-local-secret-0123456789abcdef';
  const port = opts.port ?? (await findFreePort());
  const turnUdpPort = opts.turnUdpPort ?? (await findFreePort());
  const dir = mkdtempSync(join(tmpdir(), 'voicedesk-livekit-'));
  tempDirs.add(dir);
  // mkdtemp makes it 0700 already; set anyway, since keeping the secret private rests on it.
  chmodSync(dir, 0o700);
  const configFile = join(dir, 'livekit.yaml');
  // A log there goes with the dir when the server stops: pass logFile to keep one.
  const logFile = opts.logFile ?? join(dir, 'livekit.log');
  writeFileSync(
    configFile,
    renderConfig({
      port,
      tcpPort: opts.rtcTcpPort ?? (await findFreePort()),
      udpPort: opts.rtcUdpPort ?? (await findFreePort()),
      apiKey,
      apiSecret,
      webhookUrls: opts.webhookUrls ?? [],
      emptyTimeout: opts.emptyTimeoutSeconds ?? 60,
      departureTimeout: opts.departureTimeoutSeconds ?? 5,
      redisAddress: opts.redisAddress,
      webhookMaxAgeSeconds: opts.webhookMaxAgeSeconds,
      turnUdpPort,
    }),
    // The API secret is in it: the owner alone may read it (/tmp is shared).
    { mode: 0o600 },
  );
  mkdirSync(dirname(logFile), { recursive: true });
  // The log is appended to across runs: this process's lines start here.
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const log = createWriteStream(logFile, { flags: 'a' });
  const line = diesWithParent(binary, ['--config', configFile]);
  const child = spawn(line.command, line.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(httpUrl, child, logFile, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    // The error already carries the log's tail.
    removeTempDir(dir);
    throw err;
  }
  // Logged before the node listens, so it is in the log once the node is healthy.
  const ours = readFileSync(logFile).subarray(logStart).toString('utf8');
  const nodeId = /"nodeID": "(ND_\w+)"/.exec(ours)?.[1] ?? '';
  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl,
    port,
    apiKey,
    apiSecret,
    pid: child.pid ?? -1,
    nodeId,
    turnUdpPort,
    configFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // It lingers ~15 s while rooms are open; nothing it does then matters to us.
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      removeTempDir(dir);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      removeTempDir(dir);
    },
  };
}
