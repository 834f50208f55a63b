import type { LifecycleEvent } from '@voicedesk/core';
import {
  callEvents,
  callJobs,
  callParticipants,
  type DatabaseHandle,
  type Db,
  openDatabase,
  voiceCalls,
} from '@voicedesk/db';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStatements } from '../testing/counting-statements.ts';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { addSiteWithCall } from '../testing/staff-fixtures.ts';
import {
  type CallEventInput,
  type CallEventOutcome,
  type CallEventRecord,
  recordCallEvent,
  recordCallEvents,
} from './call-lifecycle.ts';
import { appendSegments, assembleTranscript } from './transcript.ts';

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

/** A whole call's webhooks as LiveKit sends them, with a redelivery and a track in between. */
function wholeCall(callId: string, tag: string): CallEventRecord[] {
  const roomName = `call-${callId}`;
  const at = Date.now() - 120_000;
  const agent = { sid: `PA_a_${tag}`, identity: `agent-${tag}`, kind: 'ai' as const };
  const visitor = { sid: `PA_v_${tag}`, identity: `visitor-${callId}`, kind: 'visitor' as const };
  const event = (
    id: string,
    lifecycle: LifecycleEvent | null,
    type = lifecycle?.type ?? 'track_published',
  ) => ({
    input: {
      eventId: `EV_${tag}_${id}`,
      type,
      source: 'livekit' as const,
      roomName,
      createdAt: new Date(at),
      lifecycle,
      payload: {},
    },
    options: options(),
  });
  const visitorJoined = event('visitor_joined', { type: 'participant_joined', at: at + 1000, ...visitor });
  return [
    event('started', { type: 'room_started', at }),
    event('agent_joined', { type: 'participant_joined', at: at + 200, ...agent }),
    visitorJoined,
    event('track', null),
    visitorJoined,
    event('visitor_left', {
      type: 'participant_left',
      at: at + 30_000,
      ...visitor,
      joinedAt: at + 1000,
      cause: 'self',
    }),
    event('agent_left', {
      type: 'participant_left',
      at: at + 30_500,
      ...agent,
      joinedAt: at + 200,
      cause: 'room_closed',
    }),
    event('finished', { type: 'room_finished', at: at + 30_600 }),
  ];
}

/** What an outcome says, without the ids that differ from call to call. */
const gist = (o: CallEventOutcome) => ({
  duplicate: o.duplicate,
  previousStatus: o.previousStatus,
  previousPhase: o.previousPhase,
  status: o.projection?.status,
  phase: o.projection?.phase,
  endReason: o.projection?.endReason,
  durationSeconds: o.projection?.durationSeconds,
});

/** Two lines said in the call, as the worker reports them. */
async function say(callId: string, db: Db = t.database.db): Promise<void> {
  const at = Date.parse('2026-11-28T10:00:00.250Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  await appendSegments(db, callId, [
    {
      seq: 1,
      speaker: 'ai',
      text: 'Hello, how can I help?',
      startedAt: iso(at),
      endedAt: iso(at + 1500),
      source: 'realtime',
    },
    {
      seq: 0,
      speaker: 'visitor',
      text: 'Hi.',
      startedAt: iso(at - 900),
      endedAt: iso(at - 400),
      source: 'realtime',
    },
  ]);
}

/** The call row's transcript export as those two lines give it, in order. */
const SAID = {
  segments: [
    {
      seq: 0,
      speaker: 'visitor',
      text: 'Hi.',
      startedAt: '2026-11-28T09:59:59.350Z',
      endedAt: '2026-11-28T09:59:59.850Z',
    },
    {
      seq: 1,
      speaker: 'ai',
      text: 'Hello, how can I help?',
      startedAt: '2026-11-28T10:00:00.250Z',
      endedAt: '2026-11-28T10:00:01.750Z',
    },
  ],
};

async function rowsOf(callId: string, db: Db = t.database.db) {
  const [call] = await db.select().from(voiceCalls).where(eq(voiceCalls.id, callId));
  const participants = await db
    .select({ kind: callParticipants.kind, durationSeconds: callParticipants.durationSeconds })
    .from(callParticipants)
    .where(eq(callParticipants.callId, callId))
    .orderBy(asc(callParticipants.kind));
  const jobs = await db
    .select({ kind: callJobs.kind })
    .from(callJobs)
    .where(eq(callJobs.callId, callId))
    .orderBy(asc(callJobs.kind));
  const events = await db.select({ id: callEvents.id }).from(callEvents).where(eq(callEvents.callId, callId));
  return {
    status: call?.status,
    phase: call?.phase,
    endReason: call?.endReason,
    durationSeconds: call?.durationSeconds,
    settleAfter: call?.settleAfter,
    transcript: call?.transcript,
    participants,
    jobs: jobs.map((j) => j.kind),
    events: events.length,
  };
}

describe('recordCallEvents', () => {
  it('answers each event of a batch, several calls interleaved, as recording them one by one would', async () => {
    const alone = await t.insertCall();
    const together = [await t.insertCall(), await t.insertCall()];
    const oneByOne: CallEventOutcome[] = [];
    for (const record of wholeCall(alone, 'alone')) {
      oneByOne.push(await recordCallEvent(t.database.db, record.input, record.options));
    }
    const [first, second] = together.map((id, i) => wholeCall(id, `together${i}`)) as [
      CallEventRecord[],
      CallEventRecord[],
    ];
    // The second call's events first in the list: the calls' rows are still locked in room order.
    const batch = first.flatMap((record, i) => [second[i] as CallEventRecord, record]);
    const outcomes = await recordCallEvents(t.database.db, batch);

    expect(outcomes).toHaveLength(batch.length);
    const ofFirst = outcomes.filter((_, i) => i % 2 === 1);
    const ofSecond = outcomes.filter((_, i) => i % 2 === 0);
    expect(ofFirst.map(gist)).toEqual(oneByOne.map(gist));
    expect(ofSecond.map(gist)).toEqual(oneByOne.map(gist));
    expect(ofFirst.every((o) => o.callId === together[0])).toBe(true);
    // The walk a user would see: connected when the visitor joined, completed when they hung up.
    expect(oneByOne.map((o) => o.projection?.status ?? (o.duplicate ? 'duplicate' : 'no change'))).toEqual([
      'pending',
      'pending',
      'connected',
      'no change',
      'duplicate',
      'completed',
      'completed',
      'completed',
    ]);

    const expected = await rowsOf(alone);
    expect(expected).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', events: 7 });
    expect(expected.jobs.length).toBeGreaterThan(0);
    for (const id of together) expect(await rowsOf(id)).toEqual(expected);
  });

  it('sends as many statements for a batch of many calls as for a batch of one', async () => {
    const statementsFor = async (calls: number) => {
      const ids = await Promise.all(Array.from({ length: calls }, () => t.insertCall()));
      const { db, statements } = countingStatements(t.database.db);
      const records = ids.flatMap((id) => wholeCall(id, `count${calls}_${id}`));
      await recordCallEvents(db, records);
      for (const id of ids) expect(await rowsOf(id)).toMatchObject({ status: 'completed', events: 7 });
      return statements();
    };
    const one = await statementsFor(1);
    // Every call's whole life, ended in this batch: a statement per call per step would show.
    expect(await statementsFor(12)).toBe(one);
  });

  it('freezes the transcript export in the transaction that ends the call, with no job left to do it', async () => {
    const [oneByOne, batched] = [await t.insertCall(), await t.insertCall()];
    await say(oneByOne);
    await say(batched);
    for (const record of wholeCall(oneByOne, 'frozen-alone')) {
      await recordCallEvent(t.database.db, record.input, record.options);
    }
    await recordCallEvents(t.database.db, wholeCall(batched, 'frozen-batched'));
    for (const id of [oneByOne, batched]) {
      expect(await rowsOf(id)).toMatchObject({
        status: 'completed',
        transcript: SAID,
        jobs: ['delete_room'],
      });
    }
    // A line the worker reports after the end (its retries) lands in the export too.
    const late = {
      seq: 2,
      speaker: 'ai',
      text: 'Goodbye.',
      startedAt: '2026-11-28T10:00:05.000Z',
      endedAt: '2026-11-28T10:00:05.600Z',
    };
    await appendSegments(t.database.db, oneByOne, [{ ...late, source: 'realtime' }]);
    await assembleTranscript(t.database.db, oneByOne);
    expect((await rowsOf(oneByOne)).transcript).toEqual({ segments: [...SAID.segments, late] });
  });

  it('stores nothing of a batch that fails, so each of its events can be recorded again', async () => {
    const callId = await t.insertCall();
    const [started, joined] = wholeCall(callId, 'failing') as [CallEventRecord, CallEventRecord];
    const broken: CallEventRecord = {
      ...joined,
      input: { ...joined.input, eventId: 'EV_failing_broken', createdAt: new Date(Number.NaN) },
    };
    await expect(recordCallEvents(t.database.db, [started, broken])).rejects.toThrow();
    expect(await rowsOf(callId)).toMatchObject({ status: 'pending', events: 0 });

    const [again] = await recordCallEvents(t.database.db, [started]);
    expect(again).toMatchObject({ duplicate: false, callId });
    expect(await rowsOf(callId)).toMatchObject({ events: 1 });
  });
});

// The writes are SQL templates whose answers each driver shapes its own way: the embedded
// database that `npm start` runs on must project a call exactly as PostgreSQL does.
describe('recordCallEvents on the embedded database (PGlite)', () => {
  let embedded: DatabaseHandle;
  beforeAll(async () => {
    embedded = await openDatabase({ kind: 'pglite', dataDir: ':memory:' });
    await embedded.migrate();
  });
  afterAll(async () => {
    await embedded?.close();
  });

  it('stores and projects a whole call, one by one and batched, as on PostgreSQL', async () => {
    const onPostgres = await t.insertCall();
    await say(onPostgres);
    for (const record of wholeCall(onPostgres, 'pg')) {
      await recordCallEvent(t.database.db, record.input, record.options);
    }
    const { callId: alone } = await addSiteWithCall(embedded.db, 'pk_embedded');
    const { callId: batched } = await addSiteWithCall(embedded.db, 'pk_embedded');
    await say(alone, embedded.db);
    await say(batched, embedded.db);
    for (const record of wholeCall(alone, 'embedded-alone')) {
      await recordCallEvent(embedded.db, record.input, record.options);
    }
    await recordCallEvents(embedded.db, wholeCall(batched, 'embedded-batched'));

    const expected = await rowsOf(onPostgres);
    expect(expected).toMatchObject({
      status: 'completed',
      endReason: 'visitor_hung_up',
      durationSeconds: 29,
      transcript: SAID,
    });
    expect(await rowsOf(alone, embedded.db)).toEqual(expected);
    expect(await rowsOf(batched, embedded.db)).toEqual(expected);
  });
});
