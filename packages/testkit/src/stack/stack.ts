import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, type LivekitServer, startLivekitServer } from '../livekit/index.ts';
import { type DoubleScript, type ModelDouble, startModelDouble } from '../model-double/index.ts';
import { type ManagedChild, spawnManaged } from './child-process.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * What the images run after `npm run build`, relative to the repository (the Dockerfile's CMDs;
 * tests/e2e/built-dist.test.ts holds the Dockerfile to them): the API from tsc's output, the
 * worker from its bundle (apps/agent/scripts/bundle-worker.ts).
 */
export const BUILT_MAIN = {
  api: 'apps/api/dist/main.js',
  agent: 'apps/agent/dist/bundle/main.mjs',
  recorder: 'apps/agent/dist/recorder/recorder-main.js',
} as const;

/** Resolves the workspace packages to their dist/, as the images do. */
export const DIST_CONDITION = '--conditions=voicedesk-dist';

/** Whether `npm test` built the repository first and asks for the built runtime (VOICEDESK_BUILT=1). */
export function builtByNpmTest(): boolean {
  return process.env.VOICEDESK_BUILT === '1';
}

/** How to start one built process, as an image would: `node <args>` in `cwd` with `env` added. */
export interface BuiltEntrypoint {
  cwd: string;
  /** Arguments after `node`, e.g. `['apps/api/dist/main.js']`. */
  args: string[];
  /** The image's environment; the stack's own values (ports, keys, URLs) still win. */
  env?: Record<string, string>;
}

/**
 * One process as the images start it: `node` with the workspace packages resolved to their dist/
 * and NODE_ENV=production. `nodeOptions` adds to NODE_OPTIONS (a bench's `--inspect`, say).
 */
export function builtEntrypoint(args: string[], nodeOptions = ''): BuiltEntrypoint {
  return {
    cwd: REPO_ROOT,
    args,
    env: { NODE_ENV: 'production', NODE_OPTIONS: `${DIST_CONDITION} ${nodeOptions}`.trim() },
  };
}

/**
 * Under `npm test` (VOICEDESK_BUILT=1, after its build) the API, the worker and the recorder as
 * the images run them, the default of every stack; otherwise undefined, and a stack runs the
 * sources under tsx. Under tsx every process start compiles again: each job process took 4–6 s
 * on a slow 2-core host, which is not what production does.
 */
export function entrypointsUnderNpmTest(): StackOptions['entrypoints'] {
  if (!builtByNpmTest()) return undefined;
  return {
    api: builtEntrypoint([BUILT_MAIN.api]),
    agent: builtEntrypoint([BUILT_MAIN.agent, 'start']),
    recorder: builtEntrypoint([BUILT_MAIN.recorder]),
  };
}

/**
 * Where a stack keeps its files (recordings, the worker's and the recorder's spools): the
 * caller's directory when it names one (`npm start` keeps `.data`), else one of the stack's own,
 * removed when it stops. A spool is replayed by the next worker that starts on it: shared by
 * every test stack, it sent one test file's unsent batches to the next file's API, which refused
 * them for calls it never had.
 */
export function stackDataDir(dataDir: string | undefined): { dir: string; remove(): void } {
  if (dataDir !== undefined) return { dir: dataDir, remove: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'voicedesk-stack-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StackOptions {
  /** Postgres URL; when absent the API uses embedded PGlite under dataDir. */
  databaseUrl?: string | undefined;
  /** Kept as it is; without one the stack has a directory of its own (see stackDataDir). */
  dataDir?: string;
  apiPort?: number;
  /**
   * Serve /internal/* and LiveKit's webhooks on a listener of their own (INTERNAL_PORT), as
   * compose does; the agent and the recorder then report there.
   */
  internalListener?: boolean;
  livekitPort?: number;
  /** A real OpenAI (or compatible) key; without one the local model double answers. */
  openai?: { apiKey: string; baseUrl: string } | undefined;
  script?: DoubleScript;
  modelLatencyMs?: number;
  withAgent?: boolean;
  adminApiKey?: string;
  internalServiceKey?: string;
  visitorKeySecret?: string;
  siteKey?: string;
  siteOrigins?: string[];
  logDir: string;
  /** Extra env for the API and agent processes (timeouts in tests, say). */
  env?: Record<string, string>;
  /** LiveKit drops webhooks it could not deliver within this (tests shorten its 30 s). */
  webhookMaxAgeSeconds?: number;
  echoLogs?: boolean;
  /**
   * Run built JavaScript (tests/e2e/built-dist.test.ts) instead of the sources under tsx; by
   * default the built runtime under `npm test` (entrypointsUnderNpmTest) and tsx otherwise.
   */
  entrypoints?: { api: BuiltEntrypoint; agent: BuiltEntrypoint; recorder?: BuiltEntrypoint } | undefined;
  /**
   * Record calls with the built-in recorder (a process of its own, as in production). Off unless
   * asked: most tests are about something else. `s3` stores recordings there instead of DATA_DIR.
   */
  recording?: { s3?: S3Target } | undefined;
}

/** An S3-compatible server (the testkit's MinIO, say) and the bucket to use on it. */
export interface S3Target {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  bucket: string;
}

export interface Stack {
  apiUrl: string;
  livekit: LivekitServer;
  double: ModelDouble | undefined;
  siteKey: string;
  adminApiKey: string;
  internalServiceKey: string;
  agent: ManagedChild | undefined;
  api: ManagedChild;
  /** The built-in recorder, when `recording` was asked for. */
  recorder: ManagedChild | undefined;
  startRecorder(): Promise<ManagedChild>;
  /** GET an admin route (`/v1/calls…`) with the admin key and parse its JSON. */
  admin<T>(path: string): Promise<T>;
  startAgent(): Promise<ManagedChild>;
  /** Stops the API (an outage); `startApi` brings it back on the same port and database. */
  stopApi(): Promise<void>;
  /** `env` adds to (or overrides) the API's environment for this start only. */
  startApi(env?: Record<string, string>): Promise<ManagedChild>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

/** One launcher for `npm start`, the e2e tests and the benchmarks: the same processes everywhere. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const apiPort = opts.apiPort || (await findFreePort());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const internalPort = opts.internalListener ? await findFreePort() : undefined;
  // Where the agent, the recorder and LiveKit's webhooks reach the API.
  const reportUrl = internalPort ? `http://127.0.0.1:${internalPort}` : apiUrl;
  const adminApiKey = opts.adminApiKey ?? secret();
  const internalServiceKey = opts.internalServiceKey ?? secret();
  const visitorKeySecret = opts.visitorKeySecret ?? secret();
  const siteKey = opts.siteKey ?? `pk_${randomBytes(12).toString('hex')}`;
  const entrypoints = opts.entrypoints ?? entrypointsUnderNpmTest();
  const started: Array<{ stop(): Promise<void> }> = [];

  try {
    const livekit = await startLivekitServer({
      ...(opts.livekitPort ? { port: opts.livekitPort } : {}),
      webhookUrls: [`${reportUrl}/v1/livekit/webhook`],
      logFile: join(opts.logDir, 'livekit.log'),
      ...(opts.webhookMaxAgeSeconds !== undefined ? { webhookMaxAgeSeconds: opts.webhookMaxAgeSeconds } : {}),
    });
    started.push(livekit);

    const double = opts.openai
      ? undefined
      : await startModelDouble({
          ...(opts.script ? { script: opts.script } : {}),
          latencyMs: opts.modelLatencyMs ?? 0,
        });
    if (double) started.push(double);

    const common = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      INTERNAL_SERVICE_KEY: internalServiceKey,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...opts.env,
    };
    const tsx = (entry: string, args: string[] = []) => ['--import', 'tsx', join(REPO_ROOT, entry), ...args];
    const data = stackDataDir(opts.dataDir);
    started.push({ stop: async () => data.remove() });
    const dataDir = data.dir;
    const greetingsRoot = join(tmpdir(), 'voicedesk-greetings');
    const recorderPort = opts.recording ? await findFreePort() : 0;
    const s3 = opts.recording?.s3;
    const recordingEnv: Record<string, string> = opts.recording
      ? {
          RECORDING_MODE: 'builtin',
          RECORDER_URL: `http://127.0.0.1:${recorderPort}`,
          ...(s3
            ? {
                S3_ENDPOINT: s3.endpoint,
                S3_BUCKET: s3.bucket,
                S3_REGION: s3.region,
                S3_ACCESS_KEY_ID: s3.accessKeyId,
                S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
                S3_FORCE_PATH_STYLE: 'true',
              }
            : {}),
        }
      : { RECORDING_MODE: 'off' };

    const startApi = async (extraEnv: Record<string, string> = {}) => {
      const child = spawnManaged({
        name: 'api',
        command: process.execPath,
        args: entrypoints?.api.args ?? tsx('apps/api/src/main.ts'),
        cwd: entrypoints?.api.cwd ?? REPO_ROOT,
        logFile: join(opts.logDir, 'api.log'),
        echo: opts.echoLogs ?? false,
        env: {
          ...common,
          ...entrypoints?.api.env,
          PORT: String(apiPort),
          ...(internalPort ? { INTERNAL_PORT: String(internalPort) } : {}),
          HOST: '127.0.0.1',
          DATABASE_URL: opts.databaseUrl,
          DATA_DIR: dataDir,
          ...recordingEnv,
          ADMIN_API_KEY: adminApiKey,
          VISITOR_KEY_SECRET: visitorKeySecret,
          DEFAULT_SITE_KEY: siteKey,
          DEFAULT_SITE_ORIGINS: (opts.siteOrigins ?? []).join(','),
          ...extraEnv,
        },
      });
      await child.waitForLine(/VOICEDESK_API_READY/, 60_000);
      return child;
    };
    let api = await startApi();
    started.push({ stop: () => api.stop() });

    const startAgent = async () => {
      const agent = spawnManaged({
        name: 'agent',
        command: process.execPath,
        args: entrypoints?.agent.args ?? tsx('apps/agent/src/main.ts', ['start']),
        cwd: entrypoints?.agent.cwd ?? REPO_ROOT,
        logFile: join(opts.logDir, 'agent.log'),
        echo: opts.echoLogs ?? false,
        env: {
          ...common,
          ...entrypoints?.agent.env,
          API_URL: reportUrl,
          OPENAI_API_KEY: opts.openai?.apiKey ?? 'offline-demo',
          OPENAI_BASE_URL: opts.openai?.baseUrl ?? double?.url,
          AGENT_PORT: String(await findFreePort()),
          AGENT_SPOOL_DIR: join(dataDir, 'agent-spool'),
          // Each stack's own: a kept greeting is a worker's memory of earlier calls, which a
          // test starting a stack does not expect to inherit from another.
          AGENT_GREETING_CACHE_DIR: join(greetingsRoot, randomBytes(6).toString('hex')),
          // Readiness is read from the worker's info lines, so it never logs less than that.
          LOG_LEVEL: ['debug', 'trace'].includes(common.LOG_LEVEL) ? common.LOG_LEVEL : 'info',
        },
      });
      // The first call would otherwise wait for a cold job process (seconds of tsx compile).
      await Promise.all([
        agent.waitForLine(/registered worker/, 60_000),
        agent.waitForLine(/job process ready/, 60_000),
      ]);
      return agent;
    };
    const startRecorder = async () => {
      const recorder = spawnManaged({
        name: 'recorder',
        command: process.execPath,
        args: entrypoints?.recorder?.args ?? tsx('apps/agent/src/recorder/recorder-main.ts'),
        cwd: entrypoints?.recorder?.cwd ?? REPO_ROOT,
        logFile: join(opts.logDir, 'recorder.log'),
        echo: opts.echoLogs ?? false,
        env: {
          ...common,
          ...entrypoints?.recorder?.env,
          API_URL: reportUrl,
          RECORDER_HOST: '127.0.0.1',
          RECORDER_PORT: String(recorderPort),
          RECORDER_SPOOL_DIR: join(dataDir, 'recorder-spool'),
        },
      });
      await waitForHttp(`http://127.0.0.1:${recorderPort}/healthz`, recorder, 60_000);
      return recorder;
    };
    const stack: Stack = {
      apiUrl,
      livekit,
      double,
      siteKey,
      adminApiKey,
      internalServiceKey,
      get api() {
        return api;
      },
      agent: undefined,
      recorder: undefined,
      startRecorder: async () => {
        stack.recorder = await startRecorder();
        return stack.recorder;
      },
      async admin<T>(path: string) {
        const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${adminApiKey}` } });
        if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      async stopApi() {
        await api.stop('SIGTERM', 5_000);
      },
      async startApi(env) {
        api = await startApi(env);
        return api;
      },
      startAgent: async () => {
        stack.agent = await startAgent();
        return stack.agent;
      },
      async stop() {
        await stack.agent?.stop('SIGTERM', 5_000);
        await stack.recorder?.stop('SIGTERM', 5_000);
        await api.stop('SIGTERM', 5_000);
        await double?.close();
        await livekit.stop();
        data.remove();
      },
    };
    if (opts.recording) started.push({ stop: async () => stack.recorder?.stop('SIGKILL') });
    if (opts.recording) await stack.startRecorder();
    if (opts.withAgent ?? true) await stack.startAgent();
    return stack;
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw err;
  }
}

/** Polls a health URL until it answers 200, the child exits, or the time is up. */
async function waitForHttp(url: string, child: ManagedChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${url}: the process exited with ${child.process.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
