import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig } from '@voicedesk/config';
import {
  type DatabaseHandle,
  dropTestDatabase,
  newId,
  openDatabase,
  recreateTestDatabase,
  voiceCalls,
} from '@voicedesk/db';
import { type AppSurface, createApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { createLogger } from '../logger.ts';
import { createLiveHub } from '../services/live/hub.ts';
import type { LivekitGateway } from '../services/livekit-gateway.ts';
import { createApiMetrics } from '../services/metrics.ts';
import { ensureDefaultSite } from '../services/sites.ts';
import { createObjectStore } from '../services/storage/create-object-store.ts';

export const POSTGRES_SERVER_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_ORIGIN = 'https://shop.example.test';

export interface RouteApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  database: DatabaseHandle;
  siteKey: string;
  /** Every line the API logged, raw, so a test can prove what never reached the log. */
  logs: string[];
  /** How many times a route reached for the database since the last reset. */
  queries: { count: number };
  /** `remoteAddress` stands in for the socket's peer, as @hono/node-server reports it. */
  request(path: string, init?: RequestInit, remoteAddress?: string): Promise<Response>;
  internal(path: string, body: unknown, key?: string): Promise<Response>;
  /** A call minted through POST /v1/calls from the site's allowed origin. */
  mintCall(): Promise<{ callId: string; roomName: string; visitorKey: string }>;
  /** A pending call row of the default site, written straight to the database. */
  insertCall(): Promise<string>;
  close(): Promise<void>;
}

/** Media is out of scope for route tests: the room always exists and tokens are opaque. */
export const fakeLivekit: LivekitGateway = {
  publicUrl: 'ws://127.0.0.1:7880',
  createCallRoom: async () => {},
  deleteRoom: async () => {},
  agentDispatches: async () => [],
  dispatchAgent: async () => {},
  existingRooms: async (names) => new Set(names),
  roomParticipants: async () => [],
  setRoomMetadata: async () => {},
  removeParticipant: async () => {},
  mintVisitorToken: async () => 'test-token',
  mintStaffToken: async ({ roomName, identity }) => `test-staff-token:${roomName}:${identity}`,
  mintRecorderToken: async () => 'test-recorder-token',
  startAudioEgress: async () => 'EG_test',
  receiveWebhook: async () => {
    throw new Error('webhooks are not part of route tests');
  },
  ping: async () => {},
};

/**
 * `createApp(deps)` on its own fresh database on the real Postgres, no livekit-server, with
 * the logger writing into `logs`. Test-only.
 */
export interface RouteAppOptions {
  /** Replaces parts of the stand-in media server, e.g. a room delete that fails. */
  livekit?: Partial<LivekitGateway>;
  env?: Record<string, string>;
  now?: () => Date;
  /** Which listener's routes to mount (see createApp). */
  surface?: AppSurface;
}

export async function startRouteApp(name: string, options: RouteAppOptions = {}): Promise<RouteApp> {
  const dbName = name.startsWith('access_') ? `voicedesk_${name}_test` : `voicedesk_edge_${name}_test`;
  const url = await recreateTestDatabase(POSTGRES_SERVER_URL, dbName);
  const siteKey = `pk_test_${randomBytes(6).toString('hex')}`;
  const config = loadApiConfig({
    DATABASE_URL: url,
    LIVEKIT_API_KEY: 'devkey',
    LIVEKIT_API_SECRET: 'secret-secret',
    ADMIN_API_KEY: randomBytes(16).toString('hex'),
    INTERNAL_SERVICE_KEY: randomBytes(16).toString('hex'),
    VISITOR_KEY_SECRET: randomBytes(16).toString('hex'),
    DEFAULT_SITE_KEY: siteKey,
    DEFAULT_SITE_ORIGINS: TEST_ORIGIN,
    LOG_LEVEL: 'info',
    // No recorder runs beside route tests; the recording routes' tests turn it on.
    RECORDING_MODE: 'off',
    DATA_DIR: mkdtempSync(join(tmpdir(), `voicedesk-${name}-`)),
    ...options.env,
  });
  const database = await openDatabase(config.database, { maxConnections: 2 });
  await database.migrate();
  await ensureDefaultSite(database.db, { key: siteKey, origins: [TEST_ORIGIN] });
  const logs: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
  const queries = { count: 0 };
  const countedDb = new Proxy(database.db, {
    get(target, prop, receiver) {
      queries.count++;
      return Reflect.get(target, prop, receiver);
    },
  });
  const counted = { ...database, db: countedDb };
  const deps: AppDeps = {
    config,
    database: counted,
    metrics: createApiMetrics(counted),
    livekit: { ...fakeLivekit, ...options.livekit },
    live: createLiveHub(database, logger),
    storage: createObjectStore(config.storage),
    logger,
    ...(options.now ? { now: options.now } : {}),
  };
  const app = createApp(deps, options.surface);
  return {
    app,
    deps,
    database,
    siteKey,
    logs,
    queries,
    request: async (path, init, remoteAddress) =>
      app.request(
        path,
        init,
        remoteAddress ? { incoming: { socket: { remoteAddress, remotePort: 40_000 } } } : undefined,
      ),
    internal: async (path, body, key = config.internalServiceKey) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      }),
    async mintCall() {
      const res = await app.request('/v1/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
        body: JSON.stringify({ siteKey }),
      });
      if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}`);
      return (await res.json()) as { callId: string; roomName: string; visitorKey: string };
    },
    async insertCall() {
      const [site] = await database.db.query.sites.findMany({ limit: 1 });
      const id = newId();
      await database.db.insert(voiceCalls).values({
        id,
        roomName: `call-${id}`,
        siteId: site?.id as string,
        callerIdentity: `visitor-${id}`,
        joinDeadline: new Date(Date.now() + 600_000),
      });
      return id;
    },
    async close() {
      await deps.live.close();
      await database.close();
      await dropTestDatabase(POSTGRES_SERVER_URL, dbName);
    },
  };
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; requestId: string };
}

export async function errorOf(res: Response): Promise<{ status: number } & ErrorBody['error']> {
  const body = (await res.json()) as ErrorBody;
  return { status: res.status, ...body.error };
}
