import { callEvents, callParticipants, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { type CallEventInput, recordCallEvent } from './call-lifecycle.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('call_lifecycle');
});
afterAll(async () => {
  await t?.close();
});

const options = () => ({ now: new Date(), settleGraceSeconds: 30 });
const record = (input: Omit<CallEventInput, 'source' | 'createdAt'>) =>
  recordCallEvent(t.database.db, { ...input, source: 'livekit', createdAt: new Date() }, options());

describe('recordCallEvent', () => {
  it('stores an event without a lifecycle meaning once, with its call, and reports a repeat as a duplicate', async () => {
    const callId = await t.insertCall();
    const event = {
      eventId: `EV_track_${callId}`,
      type: 'track_published',
      roomName: `call-${callId}`,
      lifecycle: null,
      payload: { track: { sid: 'TR_1' } },
    };
    const first = await record(event);
    expect(first).toMatchObject({
      duplicate: false,
      callId,
      roomName: `call-${callId}`,
      previousStatus: 'pending',
    });
    const again = await record(event);
    expect(again).toMatchObject({ duplicate: true, callId });
    const rows = await t.database.db.select().from(callEvents).where(eq(callEvents.eventId, event.eventId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ callId, payload: { track: { sid: 'TR_1' } }, lifecycle: null });
  });

  it('stores an event for a room no call has, without a call', async () => {
    const outcome = await record({
      eventId: 'EV_stranger_room',
      type: 'room_started',
      roomName: 'not-a-call-room',
      lifecycle: { type: 'room_started', at: Date.now() },
      payload: {},
    });
    expect(outcome).toMatchObject({ duplicate: false, callId: undefined, projection: undefined });
    const [row] = await t.database.db
      .select()
      .from(callEvents)
      .where(eq(callEvents.eventId, 'EV_stranger_room'));
    expect(row).toMatchObject({ callId: null, roomName: 'not-a-call-room' });
  });

  it('converges when many events of one call arrive at once, each stored once', async () => {
    const callId = await t.insertCall();
    const roomName = `call-${callId}`;
    const at = Date.now() - 60_000;
    const joins = Array.from({ length: 12 }, (_, i) => ({
      eventId: `EV_join_${callId}_${i}`,
      type: 'participant_joined',
      roomName,
      lifecycle: {
        type: 'participant_joined' as const,
        at: at + i,
        sid: `PA_${i}`,
        identity: i === 0 ? 'agent-1' : `visitor-${callId}`,
        kind: i === 0 ? ('ai' as const) : ('visitor' as const),
      },
      payload: {},
    }));
    const started = {
      eventId: `EV_started_${callId}`,
      type: 'room_started',
      roomName,
      lifecycle: { type: 'room_started' as const, at },
      payload: {},
    };
    // Every event twice, all at once: the row lock serialises them, the event id dedupes them.
    const outcomes = await Promise.all([started, ...joins, started, ...joins].map((e) => record(e)));
    expect(outcomes.filter((o) => o.duplicate)).toHaveLength(13);
    const participants = await t.database.db
      .select({ sid: callParticipants.participantSid })
      .from(callParticipants)
      .where(eq(callParticipants.callId, callId));
    expect(participants.map((p) => p.sid).sort()).toEqual(joins.map((j) => j.lifecycle.sid).sort());
    const [call] = await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, callId));
    expect(call?.status).toBe('connected');
    expect(await t.database.db.select().from(callEvents).where(eq(callEvents.callId, callId))).toHaveLength(
      13,
    );
  });
});
