import { randomBytes } from 'node:crypto';
import { loadApiConfig } from '@voicedesk/config';
import {
  callEvents,
  type DatabaseHandle,
  dropTestDatabase,
  escalations,
  newId,
  openDatabase,
  recreateTestDatabase,
  sites,
  voiceCalls,
} from '@voicedesk/db';
import { findFreePort } from '@voicedesk/testkit';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../apps/api/src/deps.ts';
import { createLogger } from '../../apps/api/src/logger.ts';
import { applyCallEvent } from '../../apps/api/src/services/apply-call-event.ts';
import { applyPhaseEvent } from '../../apps/api/src/services/call-phase.ts';
import { createLiveHub } from '../../apps/api/src/services/live/hub.ts';
import { createLivekitGateway } from '../../apps/api/src/services/livekit-gateway.ts';
import { createApiMetrics } from '../../apps/api/src/services/metrics.ts';
import { createObjectStore } from '../../apps/api/src/services/storage/create-object-store.ts';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { eventually } from '../support/poll.ts';

/**
 * The phase of a call is written by its event log's projection only: escalation steps applied
 * through the service land in call_events, move voice_calls.phase, and reach the Live view.
 */
const DB = 'voicedesk_call_phase_test';
let database: DatabaseHandle;
let deps: AppDeps;
/** `call` events the Live view would send, as [phase, status] in the order they came. */
const seen: Array<[string, string]> = [];
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  const url = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  database = await openDatabase({ kind: 'postgres', url });
  await database.migrate();
  // Nothing here talks to LiveKit: ending the call only queues the room's deletion.
  const livekitUrl = `ws://127.0.0.1:${await findFreePort()}`;
  const config = loadApiConfig({
    DATABASE_URL: url,
    LIVEKIT_URL: livekitUrl,
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
    live: createLiveHub(database, logger),
    livekit: createLivekitGateway({
      urls: [livekitUrl],
      publicUrl: livekitUrl,
      apiKey: config.livekit.apiKey,
      apiSecret: config.livekit.apiSecret,
    }),
    metrics: createApiMetrics(database),
    storage: createObjectStore(config.storage),
  };
  unsubscribe = await deps.live.subscribe({
    scope: 'all',
    deliver(event) {
      if (event.type !== 'call') return;
      const { call } = JSON.parse(event.data) as { call: { phase: string; status: string } };
      seen.push([call.phase, call.status]);
    },
    end() {},
  });
});

afterAll(async () => {
  unsubscribe?.();
  await deps?.live.close();
  await database?.close();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

async function connectedCall(): Promise<{ id: string; siteId: string; at: number }> {
  const siteId = newId();
  await database.db.insert(sites).values({
    id: siteId,
    publicKey: `pk_${randomBytes(8).toString('hex')}`,
    name: 'Shop',
    instructions: 'Help.',
    greeting: 'Hello.',
    theme: { buttonLabel: 'Call', color: '#000000', position: 'bottom-right' },
  });
  const id = newId();
  const at = Date.now();
  await database.db.insert(voiceCalls).values({
    id,
    roomName: `call-${id}`,
    siteId,
    callerIdentity: `visitor-${id}`,
    joinDeadline: new Date(at + 600_000),
  });
  for (const [kind, identity, joinedAt] of [
    ['ai', `agent-${id}`, at],
    ['visitor', `visitor-${id}`, at + 1_000],
  ] as const) {
    await applyCallEvent(deps, {
      eventId: `test:${identity}`,
      type: 'participant_joined',
      source: 'livekit',
      callId: id,
      createdAt: new Date(joinedAt),
      lifecycle: { type: 'participant_joined', at: joinedAt, sid: `PA_${identity}`, identity, kind },
      payload: {},
    });
  }
  return { id, siteId, at };
}

const rowOf = async (id: string) =>
  (
    await database.db
      .select({ status: voiceCalls.status, phase: voiceCalls.phase, endReason: voiceCalls.endReason })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, id))
  )[0];

/** Waits until the Live view has heard of `count` call changes, and returns what it heard. */
const heard = (count: number) =>
  eventually(`${count} live call events`, async () => (seen.length >= count ? [...seen] : undefined), {
    timeoutMs: 10_000,
    intervalMs: 20,
  });

describe('a call’s phase, through the event log', () => {
  it('moves ai → waiting_human → human → ai and freezes at the end, told to the Live view once per change', async () => {
    const call = await connectedCall();
    await heard(1); // the call connected (the assistant joined first, so it never rang)
    seen.length = 0;
    const t = (s: number) => call.at + s * 1000;

    const requested = await applyPhaseEvent(deps, call.id, {
      type: 'escalation_requested',
      at: t(10),
      escalationId: 'esc-1',
    });
    expect(requested.projection?.phase).toBe('waiting_human');
    expect(await rowOf(call.id)).toEqual({ status: 'connected', phase: 'waiting_human', endReason: null });
    expect(await heard(1)).toEqual([['waiting_human', 'connected']]);

    // A retry of the same step is stored once and changes nothing.
    const again = await applyPhaseEvent(deps, call.id, {
      type: 'escalation_requested',
      at: t(10.5),
      escalationId: 'esc-1',
    });
    expect(again.duplicate).toBe(true);

    await applyPhaseEvent(deps, call.id, { type: 'escalation_accepted', at: t(14), escalationId: 'esc-1' });
    expect((await rowOf(call.id))?.phase).toBe('human');
    await heard(2);
    // The expiry that lost the race to the accept: kept in the log, no change, no live event.
    const late = await applyPhaseEvent(deps, call.id, {
      type: 'escalation_unanswered',
      at: t(40),
      escalationId: 'esc-1',
      outcome: 'expired',
    });
    expect([late.duplicate, late.projection?.phase]).toEqual([false, 'human']);

    await applyPhaseEvent(deps, call.id, {
      type: 'handed_back',
      at: t(60),
      escalationId: 'esc-1',
      cause: 'staff',
    });
    expect((await rowOf(call.id))?.phase).toBe('ai');
    expect(await heard(3)).toEqual([
      ['waiting_human', 'connected'],
      ['human', 'connected'],
      ['ai', 'connected'],
    ]);

    // A second escalation, taken, and the staff member ends the call for everyone.
    await applyPhaseEvent(deps, call.id, { type: 'escalation_requested', at: t(70), escalationId: 'esc-2' });
    await applyPhaseEvent(deps, call.id, { type: 'escalation_accepted', at: t(72), escalationId: 'esc-2' });
    await applyCallEvent(deps, {
      eventId: `test:staff-end:${call.id}`,
      type: 'call_ended',
      source: 'api',
      callId: call.id,
      createdAt: new Date(t(90)),
      lifecycle: { type: 'call_ended', at: t(90), reason: 'staff_ended' },
      payload: { reason: 'staff_ended' },
    });
    await applyPhaseEvent(deps, call.id, {
      type: 'handed_back',
      at: t(91),
      escalationId: 'esc-2',
      cause: 'staff_left',
    });
    expect(await rowOf(call.id)).toEqual({ status: 'completed', phase: 'human', endReason: 'staff_ended' });
    expect((await heard(6)).slice(3)).toEqual([
      ['waiting_human', 'connected'],
      ['human', 'connected'],
      ['human', 'completed'],
    ]);

    const log = await database.db
      .select({ type: callEvents.type, eventId: callEvents.eventId, payload: callEvents.payload })
      .from(callEvents)
      .where(eq(callEvents.callId, call.id))
      .orderBy(asc(callEvents.seq));
    expect(log.slice(2)).toEqual([
      {
        type: 'escalation_requested',
        eventId: 'escalation:esc-1:escalation_requested',
        payload: { escalationId: 'esc-1' },
      },
      {
        type: 'escalation_accepted',
        eventId: 'escalation:esc-1:escalation_accepted',
        payload: { escalationId: 'esc-1' },
      },
      {
        type: 'escalation_unanswered',
        eventId: 'escalation:esc-1:escalation_unanswered',
        payload: { escalationId: 'esc-1', outcome: 'expired' },
      },
      {
        type: 'handed_back',
        eventId: 'escalation:esc-1:handed_back',
        payload: { escalationId: 'esc-1', cause: 'staff' },
      },
      {
        type: 'escalation_requested',
        eventId: 'escalation:esc-2:escalation_requested',
        payload: { escalationId: 'esc-2' },
      },
      {
        type: 'escalation_accepted',
        eventId: 'escalation:esc-2:escalation_accepted',
        payload: { escalationId: 'esc-2' },
      },
      { type: 'call_ended', eventId: `test:staff-end:${call.id}`, payload: { reason: 'staff_ended' } },
      {
        type: 'handed_back',
        eventId: 'escalation:esc-2:handed_back',
        payload: { escalationId: 'esc-2', cause: 'staff_left' },
      },
    ]);
  });

  it('a hand-back ends the staff member’s turn in the same step, so the assistant may ask again at once', async () => {
    const call = await connectedCall();
    const taken = newId();
    await database.db.insert(escalations).values({
      id: taken,
      callId: call.id,
      siteId: call.siteId,
      status: 'accepted',
      reason: 'billing',
      summary: 'Wants a refund.',
      expiresAt: new Date(call.at + 60_000),
      acceptedBy: newId(),
      acceptedAt: new Date(call.at + 5_000),
    });
    await applyPhaseEvent(deps, call.id, {
      type: 'escalation_requested',
      at: call.at + 2_000,
      escalationId: taken,
    });
    await applyPhaseEvent(deps, call.id, {
      type: 'escalation_accepted',
      at: call.at + 5_000,
      escalationId: taken,
    });
    const handedBackAt = call.at + 30_000;
    await applyPhaseEvent(deps, call.id, {
      type: 'handed_back',
      at: handedBackAt,
      escalationId: taken,
      cause: 'staff_left',
    });

    const [row] = await database.db
      .select({ endedAt: escalations.endedAt })
      .from(escalations)
      .where(eq(escalations.id, taken));
    expect(row?.endedAt?.getTime()).toBe(handedBackAt);
    // One open escalation per call: a new offer fits only because the last turn is over.
    await database.db.insert(escalations).values({
      id: newId(),
      callId: call.id,
      siteId: call.siteId,
      reason: 'billing',
      summary: 'Still wants a refund.',
      expiresAt: new Date(call.at + 90_000),
    });
  });
});
