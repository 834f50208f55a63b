import { Room } from '@livekit/rtc-node';
import { callEvents, callParticipants, voiceCalls } from '@voicedesk/db';
import { signWebhook } from '@voicedesk/testkit';
import { asc, count, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createCallRequest, startApiHarness } from '../support/api-harness.ts';
import { type RecordedWebhook, startWebhookRecorder } from '../support/webhook-recorder.ts';

let h: ApiHarness;
let recorder: Awaited<ReturnType<typeof startWebhookRecorder>>;
let callId: string;
let recorded: RecordedWebhook[];

function post(body: string, authorization?: string) {
  return h.request('/v1/livekit/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) },
    body,
  });
}

async function snapshot() {
  const { db } = h.api.deps.database;
  const [call] = await db
    .select({
      status: voiceCalls.status,
      startedAt: voiceCalls.startedAt,
      connectedAt: voiceCalls.connectedAt,
      endedAt: voiceCalls.endedAt,
      durationSeconds: voiceCalls.durationSeconds,
      endReason: voiceCalls.endReason,
    })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  const participants = await db
    .select({
      sid: callParticipants.participantSid,
      kind: callParticipants.kind,
      joinedAt: callParticipants.joinedAt,
      leftAt: callParticipants.leftAt,
      durationSeconds: callParticipants.durationSeconds,
    })
    .from(callParticipants)
    .where(eq(callParticipants.callId, callId))
    .orderBy(asc(callParticipants.participantSid));
  const events = await db
    .select({ eventId: callEvents.eventId })
    .from(callEvents)
    .where(eq(callEvents.callId, callId))
    .orderBy(asc(callEvents.eventId));
  return { call, participants, events };
}

async function resetCall() {
  const { db } = h.api.deps.database;
  await db.delete(callEvents).where(eq(callEvents.callId, callId));
  await db.delete(callParticipants).where(eq(callParticipants.callId, callId));
  await db
    .update(voiceCalls)
    .set({
      status: 'pending',
      startedAt: null,
      connectedAt: null,
      endedAt: null,
      durationSeconds: null,
      endReason: null,
    })
    .where(eq(voiceCalls.id, callId));
}

async function eventCount() {
  const [row] = await h.api.deps.database.db.select({ n: count() }).from(callEvents);
  return row?.n ?? 0;
}

beforeAll(async () => {
  recorder = await startWebhookRecorder();
  h = await startApiHarness('webhooks', {}, { webhookUrls: () => [recorder.url] });
  const created = (await (await h.request('/v1/calls', createCallRequest(h.siteKey))).json()) as Record<
    string,
    string
  >;
  callId = created.callId as string;
  const roomName = created.roomName as string;

  // A real call shape on the real server: an agent-kind participant and the visitor.
  const agentToken = new AccessToken(h.livekit.apiKey, h.livekit.apiSecret, { identity: 'agent-test' });
  agentToken.addGrant({ room: roomName, roomJoin: true, agent: true, canPublish: true, canSubscribe: true });
  agentToken.kind = 'agent';
  const agent = new Room();
  await agent.connect(h.livekit.url, await agentToken.toJwt(), { autoSubscribe: false, dynacast: false });
  const visitor = new Room();
  await visitor.connect(h.livekit.url, created.token as string, { autoSubscribe: false, dynacast: false });
  await new Promise((r) => setTimeout(r, 2_200));
  await visitor.disconnect();
  await new Promise((r) => setTimeout(r, 300));
  await agent.disconnect();
  await new RoomServiceClient(h.livekit.url.replace('ws', 'http'), h.livekit.apiKey, h.livekit.apiSecret)
    .deleteRoom(roomName)
    .catch(() => {});
  await recorder.waitFor('room_finished');
  recorded = recorder.received.filter((r) => r.body.includes(roomName));
});

afterAll(async () => {
  await h?.stop();
  await recorder?.close();
});

describe('POST /v1/livekit/webhook with a recorded real event sequence', () => {
  it('recorded the lifecycle a real call produces', () => {
    const kinds = recorded.map((r) => r.event);
    for (const e of ['room_started', 'participant_joined', 'participant_left', 'room_finished']) {
      expect(kinds).toContain(e);
    }
  });

  it('builds the call row and participants from the events, in order', async () => {
    for (const r of recorded) {
      const res = await post(r.body, r.authorization);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, duplicate: false });
    }
    const s = await snapshot();
    expect(s.call?.status).toBe('completed');
    expect(s.call?.endReason).toBe('visitor_hung_up');
    expect(s.call?.durationSeconds).toBeGreaterThanOrEqual(1);
    expect(s.call?.durationSeconds).toBeLessThanOrEqual(4);
    expect(s.participants.map((p) => p.kind).sort()).toEqual(['ai', 'visitor']);
    for (const p of s.participants) {
      expect(p.leftAt?.getTime()).toBeGreaterThan(p.joinedAt.getTime());
    }
    expect(s.events).toHaveLength(recorded.length);
  });

  it('treats a second delivery of every event as a no-op', async () => {
    const first = await snapshot();
    for (const r of recorded) {
      const res = await post(r.body, r.authorization);
      expect(await res.json()).toEqual({ ok: true, duplicate: true });
    }
    expect(await snapshot()).toEqual(first);
  });

  it('ends in the same rows whatever order the events arrive in', async () => {
    const expected = await snapshot();
    for (const seed of [3, 7, 11, 19]) {
      await resetCall();
      const order = [...recorded].sort(
        (a, b) =>
          ((a.body.length * seed) % 97) - ((b.body.length * seed) % 97) || a.body.localeCompare(b.body),
      );
      order.reverse();
      for (const r of order) expect((await post(r.body, r.authorization)).status).toBe(200);
      expect(await snapshot()).toEqual(expected);
    }
  });

  it('stores no TURN password or other secret from the payload', async () => {
    const detail = await (await h.admin(`/v1/calls/${callId}`)).text();
    expect(recorded.some((r) => /turnPassword|turn_password/.test(r.body))).toBe(true);
    expect(detail).not.toMatch(/turnPassword|turn_password/i);
    const rows = await h.api.deps.database.db.select({ payload: callEvents.payload }).from(callEvents);
    expect(JSON.stringify(rows)).not.toMatch(/turnPassword|turn_password/i);
  });

  it('stores each event as LiveKit sent it, fields newer than the SDK included, secrets removed', async () => {
    // A newer livekit-server sends fields the pinned SDK has no name for; an event's stored
    // payload is what LiveKit said, not what the SDK could decode of it.
    const original = recorded.find((r) => r.event === 'room_started');
    if (!original) throw new Error('no room_started was recorded');
    const sent = JSON.parse(original.body) as Record<string, unknown> & { room: Record<string, unknown> };
    expect(sent.room.turnPassword).toEqual(expect.any(String));
    sent.id = `${String(sent.id)}-newer`;
    sent.room = { ...sent.room, fieldFromANewerServer: 'kept' };
    sent.sectionFromANewerServer = { nested: [1, 'two'] };
    const body = JSON.stringify(sent);
    const signature = await signWebhook(body, { apiKey: h.livekit.apiKey, apiSecret: h.livekit.apiSecret });
    expect((await post(body, signature)).status).toBe(200);

    const [row] = await h.api.deps.database.db
      .select({ payload: callEvents.payload })
      .from(callEvents)
      .where(eq(callEvents.eventId, String(sent.id)));
    const { turnPassword: _secret, ...room } = sent.room;
    expect(row?.payload).toEqual({ ...sent, room });
  });
});

describe('POST /v1/livekit/webhook rejects what LiveKit did not sign', () => {
  const sample = () => recorded.find((r) => r.event === 'participant_joined') as RecordedWebhook;

  async function expectRejected(body: string, authorization?: string) {
    const before = await eventCount();
    const res = await post(body, authorization);
    expect(res.status).toBe(401);
    const json = (await res.json()) as { error: { code: string; field: string } };
    expect(json.error).toMatchObject({ code: 'unauthorized', field: 'authorization' });
    expect(await eventCount()).toBe(before);
  }

  function sha(body: string) {
    return import('node:crypto').then((c) => c.createHash('sha256').update(body).digest('base64'));
  }

  it('rejects a missing signature', async () => {
    await expectRejected(sample().body.replace(/"id":\s*"[^"]+"/, '"id":"EV_forged_1"'));
  });

  it('rejects a token signed with another secret', async () => {
    const body = sample().body.replace(/"id":\s*"[^"]+"/, '"id":"EV_forged_2"');
    const forged = await signWebhook(body, {
      apiKey: h.livekit.apiKey,
      apiSecret: 'not-the-real-secret-at-all',
    });
    await expectRejected(body, forged);
  });

  it('rejects a tampered body under a genuine signature', async () => {
    const original = sample();
    const tampered = original.body.replace(/"id":\s*"[^"]+"/, '"id":"EV_tampered"');
    expect(tampered).not.toBe(original.body);
    await expectRejected(tampered, original.authorization);
  });

  it('rejects an expired token even with the right secret and checksum', async () => {
    const body = sample().body.replace(/"id":\s*"[^"]+"/, '"id":"EV_expired"');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ sha256: await sha(body) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(h.livekit.apiKey)
      .setNotBefore(now - 3600)
      .setExpirationTime(now - 1800)
      .sign(new TextEncoder().encode(h.livekit.apiSecret));
    await expectRejected(body, expired);
  });
});
