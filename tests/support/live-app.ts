import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { loadApiConfig } from '@voicedesk/config';
import type { DatabaseHandle } from '@voicedesk/db';
import { createApp } from '../../apps/api/src/app.ts';
import type { AppDeps } from '../../apps/api/src/deps.ts';
import { createLogger } from '../../apps/api/src/logger.ts';
import { applyCallEvent } from '../../apps/api/src/services/apply-call-event.ts';
import { createLiveHub } from '../../apps/api/src/services/live/hub.ts';
import { createApiMetrics } from '../../apps/api/src/services/metrics.ts';
import { ensureDefaultSite } from '../../apps/api/src/services/sites.ts';
import { createObjectStore } from '../../apps/api/src/services/storage/create-object-store.ts';
import { fakeLivekit } from '../../apps/api/src/testing/route-app.ts';
import { addSiteWithCall } from '../../apps/api/src/testing/staff-fixtures.ts';

export const LIVE_TEST_ORIGIN = 'https://shop.example.test';

/** Secrets shared by every instance of one test, as the processes of one deployment share them. */
export function liveTestSecrets(): Record<string, string> {
  return {
    ADMIN_API_KEY: randomBytes(16).toString('hex'),
    INTERNAL_SERVICE_KEY: randomBytes(16).toString('hex'),
    VISITOR_KEY_SECRET: randomBytes(16).toString('hex'),
    DEFAULT_SITE_KEY: `pk_test_${randomBytes(6).toString('hex')}`,
  };
}

export interface LiveApp {
  deps: AppDeps;
  /** Where it listens on loopback: SSE needs a real socket to show what a disconnect does. */
  url: string;
  siteKey: string;
  siteId: string;
  admin: Record<string, string>;
  internal(path: string, body: unknown): Promise<Response>;
  mintCall(): Promise<{ callId: string; visitorKey: string }>;
  close(): Promise<void>;
}

/**
 * One API process's app on a database handle of its own (its own pool and its own listening
 * connection), served on a real port, with no livekit-server (rooms always exist). Two of
 * these on one Postgres database are two API processes behind a load balancer.
 */
export async function startLiveApp(database: DatabaseHandle, env: Record<string, string>): Promise<LiveApp> {
  const config = loadApiConfig({
    LIVEKIT_API_KEY: 'devkey',
    LIVEKIT_API_SECRET: 'secret-secret',
    DEFAULT_SITE_ORIGINS: LIVE_TEST_ORIGIN,
    LOG_LEVEL: 'silent',
    RECORDING_MODE: 'off',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'voicedesk-live-')),
    ...env,
  });
  const site = await ensureDefaultSite(database.db, {
    key: config.defaultSite.key,
    origins: [LIVE_TEST_ORIGIN],
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const deps: AppDeps = {
    config,
    database,
    logger,
    livekit: fakeLivekit,
    live: createLiveHub(database, logger),
    metrics: createApiMetrics(database),
    storage: createObjectStore(config.storage),
  };
  const app = createApp(deps);
  const server = await new Promise<{ port: number; close(): Promise<void> }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            s.close(() => done());
            // Open event streams hold their sockets; the hub ends them, this ends the idle ones.
            (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      }),
    );
  });
  return {
    deps,
    url: `http://127.0.0.1:${server.port}`,
    siteKey: site.publicKey,
    siteId: site.id,
    admin: { authorization: `Bearer ${config.adminApiKey}` },
    internal: async (path, body) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.internalServiceKey}` },
        body: JSON.stringify(body),
      }),
    async mintCall() {
      const res = await app.request('/v1/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: LIVE_TEST_ORIGIN },
        body: JSON.stringify({ siteKey: site.publicKey }),
      });
      if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { callId: string; visitorKey: string };
    },
    async close() {
      await deps.live.close();
      await server.close();
    },
  };
}

let seq = 0;
/** A final transcript segment as the agent posts it; `seq` unique within the test file. */
export function segment(text: string, speaker = 'visitor') {
  const n = seq++;
  const at = Date.UTC(2026, 10, 25, 9, 0, n);
  return {
    seq: n,
    speaker,
    text,
    startedAt: new Date(at).toISOString(),
    endedAt: new Date(at + 900).toISOString(),
    source: 'realtime' as const,
  };
}

/**
 * A site of its own with a call in which the assistant and the visitor are both in the room
 * (connected), through the app's own event log: what a hand-off or callback starts from.
 */
export async function connectedCallOnNewSite(
  app: LiveApp,
  database: DatabaseHandle,
  keyPrefix: string,
): Promise<{ siteId: string; callId: string }> {
  const made = await addSiteWithCall(database.db, `${keyPrefix}${randomBytes(6).toString('hex')}`);
  const at = Date.now();
  for (const [kind, identity, joinedAt] of [
    ['ai', `agent-${made.callId}`, at],
    ['visitor', `visitor-${made.callId}`, at + 1],
  ] as const) {
    await applyCallEvent(app.deps, {
      eventId: `test:${identity}`,
      type: 'participant_joined',
      source: 'livekit',
      callId: made.callId,
      createdAt: new Date(joinedAt),
      lifecycle: { type: 'participant_joined', at: joinedAt, sid: `PA_${identity}`, identity, kind },
      payload: {},
    });
  }
  return made;
}
