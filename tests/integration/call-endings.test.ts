import { callEvents, callJobs, leases, newId, sites, voiceCalls } from '@voicedesk/db';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyCallEvent } from '../../apps/api/src/services/apply-call-event.ts';
import { acquireLease } from '../../apps/api/src/services/leases.ts';
import type { RoomParticipant } from '../../apps/api/src/services/livekit-gateway.ts';
import { sweepOnce } from '../../apps/api/src/services/sweeper.ts';
import { countingStatements } from '../../apps/api/src/testing/counting-statements.ts';
import { type RouteApp, startRouteApp, TEST_ORIGIN } from '../../apps/api/src/testing/route-app.ts';

/**
 * The API's half of "every call ends with the right status and reason": the sweeper's
 * deadlines, the outbox for work after an end, the agent as a second witness after an outage,
 * and the per-site caps. Real Postgres; the media server is a stand-in whose answers each test
 * sets (the real-stack paths are in tests/e2e/call-endings.test.ts).
 */
let t: RouteApp;
let clock = new Date();
const media = {
  deleteFailures: 0,
  deleted: [] as string[],
  /** Per room: who LiveKit says is there; absent = the room is gone. */
  rooms: new Map<string, RoomParticipant[]>(),
};

beforeAll(async () => {
  t = await startRouteApp('call_endings', {
    env: {
      CALL_RATE_LIMIT_PER_MINUTE: '1000',
      VISITOR_JOIN_WINDOW_SECONDS: '30',
      SETTLE_GRACE_SECONDS: '20',
      AGENT_JOIN_TIMEOUT_SECONDS: '20',
    },
    now: () => clock,
    livekit: {
      createCallRoom: async (roomName) => {
        media.rooms.set(roomName, []);
      },
      deleteRoom: async (roomName) => {
        if (media.deleteFailures > 0) {
          media.deleteFailures--;
          throw Object.assign(new Error('twirp error: unavailable'), { code: 'unavailable' });
        }
        media.deleted.push(roomName);
        media.rooms.delete(roomName);
      },
      existingRooms: async (names) => new Set(names.filter((n) => media.rooms.has(n))),
      roomParticipants: async (roomName) => media.rooms.get(roomName) ?? null,
    },
  });
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  clock = new Date();
  media.deleteFailures = 0;
  media.deleted = [];
  // Calls of one test must not count against the caps of the next.
  await t.database.db.delete(voiceCalls);
});

async function mint(): Promise<{ callId: string; roomName: string; visitorKey: string }> {
  const res = await t.request('/v1/calls', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
    body: JSON.stringify({ siteKey: t.siteKey }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { callId: string; roomName: string; visitorKey: string };
}

async function row(callId: string) {
  const [call] = await t.database.db
    .select({
      status: voiceCalls.status,
      endReason: voiceCalls.endReason,
      connectedAt: voiceCalls.connectedAt,
      endedAt: voiceCalls.endedAt,
      durationSeconds: voiceCalls.durationSeconds,
    })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  return call;
}

const later = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

const witness = (callId: string, events: unknown[]) =>
  t.internal(`/internal/calls/${callId}/witness`, { events });

const iso = (ms: number) => new Date(ms).toISOString();

describe('a minted call nobody joins', () => {
  it('ends missed/visitor_never_joined after the join window and frees its assistant', async () => {
    const call = await mint();
    media.rooms.set(call.roomName, [
      { sid: 'PA_ai', identity: 'agent-x', name: undefined, isAgent: true, joinedAtMs: clock.getTime() },
    ]);
    later(29);
    await sweepOnce(t.deps);
    expect((await row(call.callId))?.status).not.toBe('missed');

    later(2);
    await sweepOnce(t.deps);
    expect(await row(call.callId)).toMatchObject({ status: 'missed', endReason: 'visitor_never_joined' });
    // Deleting the room is what makes the assistant's job leave.
    expect(media.deleted).toContain(call.roomName);
  });

  it('is not revived by a join webhook that arrives after it ended', async () => {
    const call = await mint();
    const mintedAt = clock.getTime();
    media.rooms.set(call.roomName, [
      { sid: 'PA_ai', identity: 'agent-x', name: undefined, isAgent: true, joinedAtMs: mintedAt + 300 },
    ]);
    later(31);
    await sweepOnce(t.deps);
    const ended = await row(call.callId);
    expect(ended?.status).toBe('missed');

    const res = await witness(call.callId, [
      {
        type: 'participant_joined',
        at: iso(mintedAt + 2_000),
        sid: 'PA_v',
        identity: `visitor-${call.callId}`,
        kind: 'visitor',
      },
    ]);
    expect(res.status).toBe(200);
    expect(await row(call.callId)).toEqual(ended);
  });

  it('records who LiveKit says is in the room instead of expiring a call whose join webhook was lost', async () => {
    const call = await mint();
    const t0 = clock.getTime();
    media.rooms.set(call.roomName, [
      { sid: 'PA_ai', identity: 'agent-x', name: undefined, isAgent: true, joinedAtMs: t0 + 300 },
      {
        sid: 'PA_v',
        identity: `visitor-${call.callId}`,
        name: undefined,
        isAgent: false,
        joinedAtMs: t0 + 1_500,
      },
    ]);
    later(31);
    await sweepOnce(t.deps);
    expect(await row(call.callId)).toMatchObject({
      status: 'connected',
      connectedAt: new Date(t0 + 1_500),
      endReason: null,
    });
  });
});

describe('work that follows an end', () => {
  it('closes the room of an ended call with one statement after the transaction that ended it: marking it done', async () => {
    const call = await mint();
    const counting = countingStatements(t.database.db);
    const deps = { ...t.deps, database: { ...t.deps.database, db: counting.db } };
    const at = new Date();
    const outcome = await applyCallEvent(deps, {
      eventId: `api:visitor_end:${call.callId}`,
      type: 'call_ended',
      source: 'api',
      callId: call.callId,
      createdAt: at,
      lifecycle: { type: 'call_ended', at: at.getTime(), reason: 'visitor_hung_up' },
      payload: { reason: 'visitor_hung_up' },
    });
    expect(outcome.projection?.status).toBe('missed');
    expect(media.deleted).toContain(call.roomName);
    const jobs = await t.database.db
      .select({ kind: callJobs.kind, done: callJobs.doneAt, attempts: callJobs.attempts })
      .from(callJobs)
      .where(eq(callJobs.callId, call.callId));
    expect(jobs.map((j) => [j.kind, j.done !== null, j.attempts])).toEqual([['delete_room', true, 1]]);
    // The transaction that queued the work claimed it for this request: no claim of its own.
    expect(counting.outsideTransactions()).toBe(1);
  });

  it('deletes the room of an ended call even when the first delete fails', async () => {
    const call = await mint();
    media.deleteFailures = 1;
    const res = await t.request(`/v1/calls/${call.callId}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.visitorKey}`, origin: TEST_ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(await row(call.callId)).toMatchObject({ status: 'missed', endReason: 'visitor_hung_up' });
    expect(media.deleted).not.toContain(call.roomName);
    const jobs = () =>
      t.database.db
        .select({ kind: callJobs.kind, done: callJobs.doneAt, lastError: callJobs.lastError })
        .from(callJobs)
        .where(eq(callJobs.callId, call.callId))
        .orderBy(callJobs.kind);
    // The room's failure holds back nothing else: the end's own transaction froze the transcript.
    expect((await jobs()).map((j) => [j.kind, j.done !== null, j.lastError])).toEqual([
      ['delete_room', false, 'unavailable'],
    ]);
    const [frozen] = await t.database.db
      .select({ transcript: voiceCalls.transcript })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, call.callId));
    expect(frozen?.transcript).toEqual({ segments: [] });

    // A redelivered end is a duplicate; the outbox, not the duplicate, finishes the work.
    later(60);
    await sweepOnce(t.deps);
    expect(media.deleted).toContain(call.roomName);
    expect((await jobs()).map((j) => [j.kind, j.done !== null, j.lastError])).toEqual([
      ['delete_room', true, null],
    ]);
  });
});

describe('an API outage: the agent is the second witness', () => {
  it('does not call an empty room never-joined: someone may have come and gone unheard', async () => {
    const call = await mint();
    later(31);
    await sweepOnce(t.deps);
    expect((await row(call.callId))?.status).toBe('pending');
  });

  async function outageCall() {
    const call = await mint();
    const t0 = clock.getTime();
    // The call joined, talked and ended while the API was down: LiveKit dropped the webhooks
    // and has closed the room by the time the API is back.
    media.rooms.delete(call.roomName);
    later(120);
    await sweepOnce(t.deps);
    return { ...call, t0 };
  }

  it('waits for the agent’s report and stores the call as it really ended', async () => {
    const call = await outageCall();
    expect((await row(call.callId))?.status).toBe('pending');

    const visitor = { sid: 'PA_v', identity: `visitor-${call.callId}`, kind: 'visitor' };
    const assistant = { sid: 'PA_a', identity: 'agent-x', kind: 'ai' };
    const res = await witness(call.callId, [
      { type: 'participant_joined', at: iso(call.t0 + 400), ...assistant },
      { type: 'participant_joined', at: iso(call.t0 + 2_000), ...visitor },
      {
        type: 'participant_left',
        at: iso(call.t0 + 47_000),
        joinedAt: iso(call.t0 + 2_000),
        cause: 'self',
        ...visitor,
      },
    ]);
    expect(res.status).toBe(200);
    later(30);
    await sweepOnce(t.deps);
    expect(await row(call.callId)).toMatchObject({
      status: 'completed',
      endReason: 'visitor_hung_up',
      endedAt: new Date(call.t0 + 47_000),
      durationSeconds: 45,
    });
  });

  it('settles a call no witness explains once the grace has passed', async () => {
    const call = await outageCall();
    later(10);
    await sweepOnce(t.deps);
    expect((await row(call.callId))?.status).toBe('pending');
    later(11);
    await sweepOnce(t.deps);
    expect(await row(call.callId)).toMatchObject({ status: 'missed', endReason: 'visitor_never_joined' });
  });
});

describe('the sweeper', () => {
  it('covers every live call, not the first hundred', async () => {
    const [site] = await t.database.db
      .select({ id: sites.id })
      .from(sites)
      .where(eq(sites.publicKey, t.siteKey));
    const createdAt = new Date(clock.getTime() - 60_000);
    const ids = Array.from({ length: 130 }, () => newId());
    await t.database.db.insert(voiceCalls).values(
      ids.map((id) => ({
        id,
        roomName: `call-${id}`,
        siteId: site?.id ?? '',
        callerIdentity: `visitor-${id}`,
        status: 'connected' as const,
        joinDeadline: clock,
        createdAt,
      })),
    );
    // LiveKit has none of these rooms.
    await sweepOnce(t.deps);
    const seen = await t.database.db
      .select({ callId: callEvents.callId })
      .from(callEvents)
      .where(and(inArray(callEvents.callId, ids), eq(callEvents.type, 'room_lost')));
    expect(new Set(seen.map((e) => e.callId)).size).toBe(130);
  });

  it('runs on one API instance at a time', async () => {
    const now = new Date();
    expect(await acquireLease(t.database.db, 'sweeper-test', 'a', now, 10_000)).toBe(true);
    expect(await acquireLease(t.database.db, 'sweeper-test', 'b', now, 10_000)).toBe(false);
    expect(
      await acquireLease(t.database.db, 'sweeper-test', 'a', new Date(now.getTime() + 5_000), 10_000),
    ).toBe(true);
    // Holder a stopped renewing: b takes over once the lease has run out.
    expect(
      await acquireLease(t.database.db, 'sweeper-test', 'b', new Date(now.getTime() + 16_000), 10_000),
    ).toBe(true);
    await t.database.db.delete(leases).where(inArray(leases.name, ['sweeper-test']));
  });
});

describe('per-site caps', () => {
  it('answers 429 naming the site key once the calls waiting to be answered reach the cap', async () => {
    await t.database.db.update(sites).set({ maxPendingCalls: 2 }).where(eq(sites.publicKey, t.siteKey));
    try {
      await mint();
      await mint();
      const res = await t.request('/v1/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
        body: JSON.stringify({ siteKey: t.siteKey }),
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({
        code: 'rate_limited',
        field: 'siteKey',
      });
    } finally {
      await t.database.db.update(sites).set({ maxPendingCalls: 20 }).where(eq(sites.publicKey, t.siteKey));
    }
  });
});
