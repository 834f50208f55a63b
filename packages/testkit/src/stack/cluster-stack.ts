import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startTcpBalancer, type TcpBalancer } from '../livekit/balancer.ts';
import { type LivekitCluster, startLivekitCluster } from '../livekit/cluster.ts';
import { findFreePort } from '../livekit/ports.ts';
import { type DoubleScript, type ModelDouble, startModelDouble } from '../model-double/index.ts';
import { type ManagedChild, spawnManaged } from './child-process.ts';
import { BUILT_MAIN, DIST_CONDITION, REPO_ROOT } from './stack.ts';

export interface ClusterStackOptions {
  /** Postgres URL shared by every API (a cluster cannot run on per-process PGlite). */
  databaseUrl: string;
  logDir: string;
  /** LiveKit nodes, APIs and agent workers (2 each by default). */
  nodes?: number;
  apis?: number;
  agents?: number;
  script?: DoubleScript;
  modelLatencyMs?: number;
  siteOrigins?: string[];
  /** Extra env for the API and agent processes (shortened timeouts in tests). */
  env?: Record<string, string>;
  /** LiveKit room settings for every node. */
  departureTimeoutSeconds?: number;
  echoLogs?: boolean;
  /**
   * `built`: run the APIs and workers from `dist/` (`npm run build`), as the images do. Every job
   * process a worker forks then starts without compiling TypeScript, which on two cores is the
   * difference between a worker that keeps up with six processes and one that times them out.
   */
  runtime?: 'source' | 'built';
}

export interface ClusterApi {
  url: string;
  child: ManagedChild;
}

export interface ClusterStack {
  livekit: LivekitCluster;
  apis: ClusterApi[];
  /** A balancer in front of the APIs: LiveKit's webhook target, as a real deployment's load balancer. */
  apiUrl: string;
  apiBalancer: TcpBalancer;
  agents: ManagedChild[];
  double: ModelDouble;
  siteKey: string;
  adminApiKey: string;
  internalServiceKey: string;
  admin<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

/**
 * The scale-out shape on one host: a LiveKit cluster on Redis behind a TCP balancer, several APIs
 * on one Postgres (each told every node's URL), several agent workers that reach LiveKit through
 * the balancer, and one model double. Agent worker i reports to API i (mod the APIs).
 */
export async function startClusterStack(opts: ClusterStackOptions): Promise<ClusterStack> {
  const adminApiKey = secret();
  const internalServiceKey = secret();
  // Shared by every API: a visitor may hang up through any of them.
  const visitorKeySecret = secret();
  const siteKey = `pk_${randomBytes(12).toString('hex')}`;
  const started: Array<{ stop(): Promise<void> }> = [];
  const echo = opts.echoLogs ?? false;

  try {
    const apiPorts: number[] = [];
    for (let i = 0; i < (opts.apis ?? 2); i++) apiPorts.push(await findFreePort());
    const apiBalancer = await startTcpBalancer({ upstreams: apiPorts.map((p) => `127.0.0.1:${p}`) });
    started.push({ stop: () => apiBalancer.close() });
    const apiUrl = `http://127.0.0.1:${apiBalancer.port}`;

    const livekit = await startLivekitCluster({
      nodes: opts.nodes ?? 2,
      webhookUrls: [`${apiUrl}/v1/livekit/webhook`],
      logDir: opts.logDir,
      ...(opts.departureTimeoutSeconds ? { departureTimeoutSeconds: opts.departureTimeoutSeconds } : {}),
    });
    started.push(livekit);

    const double = await startModelDouble({
      ...(opts.script ? { script: opts.script } : {}),
      latencyMs: opts.modelLatencyMs ?? 0,
    });
    started.push({ stop: () => double.close() });

    const common = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      INTERNAL_SERVICE_KEY: internalServiceKey,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      // Built, the workspace packages resolve to their dist/ through the images' export condition.
      ...(opts.runtime === 'built' ? { NODE_OPTIONS: DIST_CONDITION } : {}),
      ...opts.env,
    };
    const entry = (app: 'api' | 'agent', args: string[] = []) =>
      opts.runtime === 'built'
        ? [join(REPO_ROOT, BUILT_MAIN[app]), ...args]
        : ['--import', 'tsx', join(REPO_ROOT, 'apps', app, 'src', 'main.ts'), ...args];
    const nodeUrls = livekit.nodes.map((n) => n.url);

    const apis: ClusterApi[] = [];
    // One after another: each applies the migrations at start, and they share the database.
    for (const [i, port] of apiPorts.entries()) {
      // Each API lists the nodes in its own order, so their calls do not all go through one node.
      const order = [...nodeUrls.slice(i % nodeUrls.length), ...nodeUrls.slice(0, i % nodeUrls.length)];
      const child = spawnManaged({
        name: `api-${i}`,
        command: process.execPath,
        args: entry('api'),
        cwd: REPO_ROOT,
        logFile: join(opts.logDir, `api-${i}.log`),
        echo,
        env: {
          ...common,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: opts.databaseUrl,
          LIVEKIT_URL: order.join(','),
          LIVEKIT_PUBLIC_URL: livekit.url,
          ADMIN_API_KEY: adminApiKey,
          VISITOR_KEY_SECRET: visitorKeySecret,
          DEFAULT_SITE_KEY: siteKey,
          DEFAULT_SITE_ORIGINS: (opts.siteOrigins ?? []).join(','),
        },
      });
      started.push({ stop: () => child.stop('SIGTERM', 5_000) });
      await child.waitForLine(/VOICEDESK_API_READY/, 60_000);
      apis.push({ url: `http://127.0.0.1:${port}`, child });
    }

    const agents: ManagedChild[] = [];
    for (let i = 0; i < (opts.agents ?? 2); i++) {
      const api = apis[i % apis.length] as ClusterApi;
      const agent = spawnManaged({
        name: `agent-${i}`,
        command: process.execPath,
        args: entry('agent', ['start']),
        cwd: REPO_ROOT,
        logFile: join(opts.logDir, `agent-${i}.log`),
        echo,
        env: {
          ...common,
          LIVEKIT_URL: livekit.url,
          API_URL: api.url,
          OPENAI_API_KEY: 'offline-demo',
          OPENAI_BASE_URL: double.url,
          AGENT_PORT: String(await findFreePort()),
          AGENT_SPOOL_DIR: join(opts.logDir, `agent-${i}-spool`),
          LOG_LEVEL: ['debug', 'trace'].includes(common.LOG_LEVEL) ? common.LOG_LEVEL : 'info',
        },
      });
      started.push({ stop: () => agent.stop('SIGTERM', 5_000) });
      agents.push(agent);
    }
    // Started together, waited for together: from source each compiles its job process with tsx.
    await Promise.all(
      agents.flatMap((a) => [
        a.waitForLine(/registered worker/, 90_000),
        a.waitForLine(/job process ready/, 90_000),
      ]),
    );

    return {
      livekit,
      apis,
      apiUrl,
      apiBalancer,
      agents,
      double,
      siteKey,
      adminApiKey,
      internalServiceKey,
      async admin<T>(path: string) {
        const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${adminApiKey}` } });
        if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as T;
      },
      async stop() {
        await Promise.all(agents.map((a) => a.stop('SIGTERM', 5_000)));
        await Promise.all(apis.map((a) => a.child.stop('SIGTERM', 5_000)));
        await double.close();
        await livekit.stop();
        await apiBalancer.close();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    throw err;
  }
}
