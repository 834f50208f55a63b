import { randomBytes } from 'node:crypto';
import { loadApiConfig } from '@voicedesk/config';
import {
  type DatabaseHandle,
  dropTestDatabase,
  newId,
  openDatabase,
  recreateTestDatabase,
  sites,
  voiceCalls,
} from '@voicedesk/db';
import { findFreePort } from '@voicedesk/testkit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../apps/api/src/deps.ts';
import { createLogger } from '../../apps/api/src/logger.ts';
import { applyCallEvent } from '../../apps/api/src/services/apply-call-event.ts';
import { createLiveHub } from '../../apps/api/src/services/live/hub.ts';
import { createLivekitGateway } from '../../apps/api/src/services/livekit-gateway.ts';
import { createApiMetrics } from '../../apps/api/src/services/metrics.ts';
import { createObjectStore } from '../../apps/api/src/services/storage/create-object-store.ts';
import { sweepOnce } from '../../apps/api/src/services/sweeper.ts';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';

/**
 * A call in progress when LiveKit went away for good: no webhook will end it and LiveKit cannot
 * be asked about its room. The sweeper must still end it once it is past the site's longest call.
 */
const DB = 'voicedesk_lost_calls_test';
let database: DatabaseHandle;
let deps: AppDeps;
let clock = new Date();

beforeAll(async () => {
  const url = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  database = await openDatabase({ kind: 'postgres', url });
  await database.migrate();
  // A LiveKit URL nothing listens on: every question to it fails as it would with the server down.
  const deadLivekit = `ws://127.0.0.1:${await findFreePort()}`;
  const config = loadApiConfig({
    DATABASE_URL: url,
    LIVEKIT_URL: deadLivekit,
    LIVEKIT_API_KEY: 'devkey',
    LIVEKIT_API_SECRET: randomBytes(24).toString('hex'),
    ADMIN_API_KEY: randomBytes(16).toString('hex'),
    INTERNAL_SERVICE_KEY: randomBytes(16).toString('hex'),
    VISITOR_KEY_SECRET: randomBytes(16).toString('hex'),
  });
  const logger = createLogger('silent');
  deps = {
    config,
    database,
    logger,
    // Nothing subscribes here, so it never opens its listening connection.
    live: createLiveHub(database, logger),
    livekit: createLivekitGateway({
      urls: [deadLivekit],
      publicUrl: deadLivekit,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
    }),
    metrics: createApiMetrics(database),
    storage: createObjectStore(config.storage),
    now: () => clock,
  };
});

afterAll(async () => {
  await database?.close();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

async function connectedCall(maxCallSeconds: number): Promise<{ id: string; startedAt: number }> {
  const siteId = newId();
  await database.db.insert(sites).values({
    id: siteId,
    publicKey: `pk_${randomBytes(8).toString('hex')}`,
    name: 'Shop',
    instructions: 'Help.',
    greeting: 'Hello.',
    maxCallSeconds,
    theme: { buttonLabel: 'Call', color: '#000000', position: 'bottom-right' },
  });
  const id = newId();
  const startedAt = Date.now();
  await database.db.insert(voiceCalls).values({
    id,
    roomName: `call-${id}`,
    siteId,
    callerIdentity: `visitor-${id}`,
    joinDeadline: new Date(startedAt + 600_000),
  });
  for (const [kind, identity, at] of [
    ['ai', `agent-${id}`, startedAt],
    ['visitor', `visitor-${id}`, startedAt + 1_000],
  ] as const) {
    await applyCallEvent(deps, {
      eventId: `test:${identity}`,
      type: 'participant_joined',
      source: 'livekit',
      callId: id,
      createdAt: new Date(at),
      lifecycle: { type: 'participant_joined', at, sid: `PA_${identity}`, identity, kind },
      payload: {},
    });
  }
  return { id, startedAt };
}

const statusOf = async (id: string) =>
  (
    await database.db
      .select({ status: voiceCalls.status, endReason: voiceCalls.endReason })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, id))
  )[0];

describe('calls the media server lost while it cannot be asked', () => {
  it('stay open within the site’s longest call, and end failed/media_lost past it', async () => {
    const call = await connectedCall(300);
    expect(await statusOf(call.id)).toEqual({ status: 'connected', endReason: null });

    clock = new Date(call.startedAt + 200_000);
    await sweepOnce(deps);
    expect(await statusOf(call.id)).toEqual({ status: 'connected', endReason: null });

    // Past 300 s plus the two-minute grace, the room counts as lost; the agent may still
    // report what happened, so the call waits the settle grace before it is ended.
    clock = new Date(call.startedAt + 421_000);
    await sweepOnce(deps);
    expect(await statusOf(call.id)).toEqual({ status: 'connected', endReason: null });

    clock = new Date(call.startedAt + 421_000 + (deps.config.settleGraceSeconds + 1) * 1000);
    await sweepOnce(deps);
    expect(await statusOf(call.id)).toEqual({ status: 'failed', endReason: 'media_lost' });
    const [row] = await database.db
      .select({ endedAt: voiceCalls.endedAt })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, call.id));
    // Ended when the loss was seen, not when the grace ran out.
    expect(row?.endedAt?.getTime()).toBe(call.startedAt + 421_000);
  });
});
