import { Room, RoomEvent } from '@livekit/rtc-node';
import { parseRoomState, type RoomState } from '@voicedesk/core';
import { escalations, staffUsers, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSiteWithCall, addStaff, cookie } from '../../apps/api/src/testing/staff-fixtures.ts';
import { type ApiHarness, createCallRequest, startApiHarness } from '../support/api-harness.ts';
import { eventually } from '../support/poll.ts';

/**
 * Issue 14's hand-off against a real livekit-server and its webhooks: the room's metadata follows
 * the call's phase, only the staff member holding the call may be in its room, and a staff turn
 * ends by hand-back, by leaving (after the rejoin grace) or by ending the call for everyone.
 */
let h: ApiHarness;
let rooms: RoomServiceClient;
let siteId: string;
const connected: Room[] = [];

type Headers = Record<string, string>;

beforeAll(async () => {
  h = await startApiHarness('escalation_handoff', {
    STAFF_REJOIN_GRACE_SECONDS: '1',
    SWEEP_INTERVAL_MS: '200',
    RECORDING_MODE: 'off',
  });
  rooms = new RoomServiceClient(h.livekit.httpUrl, h.livekit.apiKey, h.livekit.apiSecret);
  siteId = h.api.defaultSite.id;
});

afterAll(async () => {
  for (const room of connected) await room.disconnect().catch(() => {});
  await h?.stop();
});

async function join(token: string): Promise<Room> {
  const room = new Room();
  await room.connect(h.livekit.url, token, { autoSubscribe: false, dynacast: false });
  connected.push(room);
  return room;
}

/** A call of the default site with a visitor and an agent-kind participant in its real room. */
async function liveCall(): Promise<{ callId: string; roomName: string }> {
  const res = await h.request('/v1/calls', createCallRequest(h.siteKey));
  expect(res.status).toBe(201);
  const call = (await res.json()) as { callId: string; roomName: string; token: string };
  const agentToken = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret, {
    identity: `agent-${call.callId}`,
  });
  agentToken.addGrant({ room: call.roomName, roomJoin: true, agent: true, canSubscribe: true });
  agentToken.kind = 'agent';
  await join(await agentToken.toJwt());
  await join(call.token);
  await eventually(
    'the call to connect',
    async () => ((await callRow(call.callId))?.status === 'connected' ? true : undefined),
    {
      timeoutMs: 10_000,
    },
  );
  return call;
}

async function callRow(callId: string) {
  const [row] = await h.api.deps.database.db
    .select({ status: voiceCalls.status, phase: voiceCalls.phase, endReason: voiceCalls.endReason })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  return row;
}

async function roomState(roomName: string): Promise<RoomState | undefined> {
  const [room] = await rooms.listRooms([roomName]);
  return room ? parseRoomState(room.metadata) : undefined;
}

/** Waits until the room's metadata matches `expected`. */
async function roomSays(roomName: string, expected: Partial<RoomState>): Promise<RoomState> {
  return eventually(
    `room metadata ${JSON.stringify(expected)}`,
    async () => {
      const state = await roomState(roomName);
      return state && Object.entries(expected).every(([k, v]) => state[k as keyof RoomState] === v)
        ? state
        : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}

async function identitiesIn(roomName: string): Promise<string[]> {
  return (await rooms.listParticipants(roomName)).map((p) => p.identity);
}

let staffCount = 0;
async function staffMember(
  role: 'agent' | 'admin',
  sites: string[],
  name?: string,
): Promise<{ id: string; headers: Headers }> {
  staffCount += 1;
  const db = h.api.deps.database.db;
  const s = await addStaff(db, { email: `handoff${staffCount}@esc.test`, role, siteIds: sites });
  if (name) await db.update(staffUsers).set({ name }).where(eq(staffUsers.id, s.id));
  const headers = { ...cookie(s.token), origin: h.api.url };
  const res = await h.request('/v1/staff/me/availability', {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ available: true }),
  });
  expect(res.status).toBe(200);
  return { id: s.id, headers };
}

async function escalate(callId: string): Promise<string> {
  const res = await h.request(`/internal/calls/${callId}/escalations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.config.internalServiceKey}` },
    body: JSON.stringify({ reason: 'You asked to speak to a person.' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { escalationId: string }).escalationId;
}

const post = (path: string, headers: Headers) => h.request(path, { method: 'POST', headers });

async function accept(escalationId: string, headers: Headers) {
  const res = await post(`/v1/escalations/${escalationId}/accept`, headers);
  expect(res.status).toBe(200);
  return (await res.json()) as { token: string; roomName: string; callId: string; livekitUrl: string };
}

async function codeOf(res: Response) {
  return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
}

describe('a staff member takes a live call and gives it back', () => {
  it('the room says who answers at each step, and strangers are sent out of it', async () => {
    const { callId, roomName } = await liveCall();
    const ann = await staffMember('agent', [siteId], 'Ann Marie Lee');
    const bob = await staffMember('agent', [siteId]);

    const escalationId = await escalate(callId);
    await roomSays(roomName, { phase: 'waiting_human', escalationId });

    const granted = await accept(escalationId, ann.headers);
    expect(granted).toMatchObject({ callId, roomName });
    // The visitor sees a first name, never more of the staff member.
    expect(await roomSays(roomName, { phase: 'human' })).toEqual({
      phase: 'human',
      escalationId,
      staffName: 'Ann',
    });
    await join(granted.token);

    // Bob has a token for this room from nowhere the API gave it (an old turn, a leak): out.
    const stray = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret, { identity: `staff-${bob.id}` });
    stray.addGrant({ room: roomName, roomJoin: true, canSubscribe: true, canPublish: false });
    const strayRoom = await join(await stray.toJwt());
    const removed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stray staff member was not removed')), 10_000);
      strayRoom.once(RoomEvent.Disconnected, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const foreign = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret, { identity: 'someone-else' });
    foreign.addGrant({ room: roomName, roomJoin: true, canSubscribe: true, canPublish: false });
    await join(await foreign.toJwt());
    await removed;
    await eventually(
      'the strangers to be gone',
      async () => {
        const present = await identitiesIn(roomName);
        return !present.includes(`staff-${bob.id}`) && !present.includes('someone-else')
          ? present
          : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // Whoever belongs stays: the visitor, the assistant, the staff member holding the call.
    expect((await identitiesIn(roomName)).sort()).toEqual(
      [`agent-${callId}`, `staff-${ann.id}`, `visitor-${callId}`].sort(),
    );
    expect(await callRow(callId)).toMatchObject({ status: 'connected', phase: 'human' });

    // Another agent of the site cannot give it back; Ann can.
    expect(await codeOf(await post(`/v1/calls/${callId}/hand-back`, bob.headers))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    const back = await post(`/v1/calls/${callId}/hand-back`, ann.headers);
    expect(back.status).toBe(200);
    expect(await back.json()).toEqual({ phase: 'ai' });
    await roomSays(roomName, { phase: 'ai', escalationId, outcome: 'staff' });
    expect((await callRow(callId))?.phase).toBe('ai');
    // Her turn is over: she is out of the room, and may not come back.
    await eventually(
      'the staff member to leave the room',
      async () => (!(await identitiesIn(roomName)).includes(`staff-${ann.id}`) ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(await codeOf(await post(`/v1/calls/${callId}/hand-back`, ann.headers))).toEqual({
      status: 409,
      code: 'not_with_staff',
    });

    // The assistant may ask again: a new offer rings.
    const again = await escalate(callId);
    expect(again).not.toBe(escalationId);
    await roomSays(roomName, { phase: 'waiting_human', escalationId: again });
  });

  it('a staff member who leaves without handing back gets the grace to rejoin, then the assistant takes over', async () => {
    const { callId, roomName } = await liveCall();
    const cat = await staffMember('agent', [siteId], 'Cat');
    const escalationId = await escalate(callId);
    const granted = await accept(escalationId, cat.headers);
    const first = await join(granted.token);
    await eventually(
      'the staff member in the room',
      async () => ((await identitiesIn(roomName)).includes(`staff-${cat.id}`) ? true : undefined),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // A dropped browser that comes back within the grace keeps the call.
    await first.disconnect();
    const second = await join(granted.token);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await callRow(callId))?.phase).toBe('human');
    expect((await roomState(roomName))?.phase).toBe('human');

    // Gone for longer than the grace: handed back, cause staff_left.
    await second.disconnect();
    await roomSays(roomName, { phase: 'ai', escalationId, outcome: 'staff_left' });
    expect(await callRow(callId)).toMatchObject({ status: 'connected', phase: 'ai' });
    const [row] = await h.api.deps.database.db
      .select({ endedAt: escalations.endedAt })
      .from(escalations)
      .where(eq(escalations.id, escalationId));
    expect(row?.endedAt).toBeInstanceOf(Date);
  });

  it('the staff member ends the call for everyone: staff_ended, and the room is closed', async () => {
    const { callId, roomName } = await liveCall();
    const dan = await staffMember('agent', [siteId], 'Dan');
    const other = await addSiteWithCall(h.api.deps.database.db, `pk_handoff_${Date.now()}`);
    const elsewhere = await staffMember('agent', [other.siteId]);
    // Before anyone took it, an agent may not end it (an admin could).
    expect(await codeOf(await post(`/v1/calls/${callId}/end`, dan.headers))).toEqual({
      status: 409,
      code: 'not_with_staff',
    });
    const escalationId = await escalate(callId);
    // Another site's staff member cannot see, take, give back or end the call.
    expect((await post(`/v1/escalations/${escalationId}/accept`, elsewhere.headers)).status).toBe(404);
    const granted = await accept(escalationId, dan.headers);
    await join(granted.token);
    expect((await post(`/v1/calls/${callId}/hand-back`, elsewhere.headers)).status).toBe(404);
    expect((await post(`/v1/calls/${callId}/end`, elsewhere.headers)).status).toBe(404);
    // A session cookie without our Origin is refused before anything is read.
    expect(
      (await post(`/v1/calls/${callId}/end`, cookie(dan.headers.cookie?.split('=')[1] ?? ''))).status,
    ).toBe(403);

    const ended = await post(`/v1/calls/${callId}/end`, dan.headers);
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ callId, status: 'completed' });
    expect(await callRow(callId)).toMatchObject({ status: 'completed', endReason: 'staff_ended' });
    await eventually(
      'the room to be closed',
      async () => ((await rooms.listRooms([roomName])).length === 0 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 100,
      },
    );
    expect(await codeOf(await post(`/v1/calls/${callId}/end`, dan.headers))).toEqual({
      status: 409,
      code: 'call_not_active',
    });
  });
});
