import {
  auditLog,
  type DatabaseHandle,
  dropTestDatabase,
  escalationDeclines,
  escalations,
  openDatabase,
  recreateTestDatabase,
  voiceCalls,
} from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireEscalations } from '../../apps/api/src/services/escalations/respond.ts';
import { sweepOnce } from '../../apps/api/src/services/sweeper.ts';
import { addStaff, cookie } from '../../apps/api/src/testing/staff-fixtures.ts';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import {
  connectedCallOnNewSite,
  type LiveApp,
  liveTestSecrets,
  segment,
  startLiveApp,
} from '../support/live-app.ts';
import { eventually } from '../support/poll.ts';
import { isEvent, openSse, type SseClient } from '../support/sse-client.ts';

/**
 * Human escalation, API side (issue 14): the assistant asks for a person through one API
 * process, staff signed in to either process get the offer live, the first to accept wins.
 */
const DB = 'voicedesk_escalations_test';
let dbA: DatabaseHandle;
let dbB: DatabaseHandle;
let a: LiveApp;
let b: LiveApp;
const open: SseClient[] = [];

type Headers = Record<string, string>;
interface Offer {
  escalation: { id: string; callId: string; reason: string; summary: string; status: string };
}
interface Closed {
  escalationId: string;
  status: string;
}
interface Answer {
  escalationId: string;
  status: string;
  availableStaff: number;
}

beforeAll(async () => {
  const url = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  dbA = await openDatabase({ kind: 'postgres', url }, { maxConnections: 4 });
  await dbA.migrate();
  dbB = await openDatabase({ kind: 'postgres', url }, { maxConnections: 4 });
  const env = { ...liveTestSecrets(), DATABASE_URL: url, LIVE_HEARTBEAT_SECONDS: '0.2' };
  a = await startLiveApp(dbA, env);
  b = await startLiveApp(dbB, env);
});
afterAll(async () => {
  for (const sse of open) sse.close();
  await a?.close();
  await b?.close();
  await dbA?.close();
  await dbB?.close();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

const connectedCall = () => connectedCallOnNewSite(a, dbA, 'pk_esc_');

let staffCount = 0;
/** An agent of `siteId`, signed in (session cookie); available unless told. */
async function agent(
  app: LiveApp,
  siteId: string,
  available = true,
): Promise<{ id: string; headers: Headers }> {
  staffCount += 1;
  const s = await addStaff(dbA.db, {
    email: `agent${staffCount}@esc.test`,
    role: 'agent',
    siteIds: [siteId],
  });
  const headers = { ...cookie(s.token), origin: app.url };
  const res = await fetch(`${app.url}/v1/staff/me/availability`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ available }),
  });
  expect(res.status).toBe(200);
  return { id: s.id, headers };
}

async function stream(app: LiveApp, headers: Headers): Promise<SseClient> {
  const before = app.deps.live.subscribers;
  const sse = await openSse(`${app.url}/v1/live/events`, headers);
  open.push(sse);
  expect(sse.status).toBe(200);
  await eventually(
    'the stream to subscribe',
    async () => (app.deps.live.subscribers > before ? true : undefined),
    {
      timeoutMs: 5_000,
      intervalMs: 20,
    },
  );
  return sse;
}

async function escalate(app: LiveApp, callId: string, reason = 'You asked to speak to a person.') {
  const res = await app.internal(`/internal/calls/${callId}/escalations`, { reason });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

const post = (app: LiveApp, path: string, headers: Headers) =>
  fetch(`${app.url}${path}`, { method: 'POST', headers });

async function phaseOf(callId: string) {
  const [row] = await dbA.db
    .select({ phase: voiceCalls.phase })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  return row?.phase;
}

async function statusOf(id: string) {
  const [row] = await dbA.db
    .select({ status: escalations.status })
    .from(escalations)
    .where(eq(escalations.id, id));
  return row?.status;
}

describe('escalations across two API processes', () => {
  it('with nobody available the request is unanswered at once and the assistant keeps the call', async () => {
    const { siteId, callId } = await connectedCall();
    const away = await agent(a, siteId, false);
    const me = await fetch(`${a.url}/v1/staff/me/availability`, { headers: away.headers });
    expect(await me.json()).toEqual({ available: false });
    // Available, then signed out: a closed shift is not offered calls.
    const left = await agent(b, siteId);
    expect((await post(b, '/v1/auth/logout', left.headers)).status).toBe(204);
    const answer = await escalate(a, callId);
    expect(answer).toMatchObject({ status: 'unanswered', availableStaff: 0 });
    expect(await phaseOf(callId)).toBe('ai');
  });

  it('two retries of the request at the same moment ring once', async () => {
    const { siteId, callId } = await connectedCall();
    await agent(a, siteId);
    const [x, y] = await Promise.all([escalate(a, callId), escalate(b, callId)]);
    expect(x.escalationId).toBe(y.escalationId);
    const rows = await dbA.db.select().from(escalations).where(eq(escalations.callId, callId));
    expect(rows).toHaveLength(1);
    expect(await phaseOf(callId)).toBe('waiting_human');
  });

  it('offers the call live to available staff of its site only, and lists it for them', async () => {
    const { siteId, callId } = await connectedCall();
    const other = await connectedCall();
    const ready = await agent(b, siteId);
    const away = await agent(b, siteId, false);
    const elsewhere = await agent(b, other.siteId);
    const [readyStream, awayStream, elsewhereStream] = [
      await stream(b, ready.headers),
      await stream(b, away.headers),
      await stream(b, elsewhere.headers),
    ];
    const stored = await a.internal(`/internal/calls/${callId}/segments`, {
      segments: [segment('I need to change my delivery address.'), segment('I can help with that.', 'ai')],
    });
    expect(stored.status).toBe(200);

    const answer = await escalate(a, callId);
    expect(answer).toMatchObject({ status: 'ringing', availableStaff: 1 });
    expect(await phaseOf(callId)).toBe('waiting_human');
    const offer = await readyStream.next(
      isEvent('offer', (d: Offer) => d.escalation.id === answer.escalationId),
    );
    const { escalation } = JSON.parse(offer.data) as Offer;
    expect(escalation).toMatchObject({
      callId,
      reason: 'You asked to speak to a person.',
      status: 'ringing',
    });
    expect(escalation.summary).toBe(
      'Visitor: I need to change my delivery address.\nAssistant: I can help with that.',
    );
    const noOffer = (s: SseClient) => s.within(300, (m) => m.event === 'offer');
    expect(await noOffer(awayStream)).toEqual([]);
    expect(await noOffer(elsewhereStream)).toEqual([]);

    // The agent's retry finds the same escalation instead of ringing twice.
    expect((await escalate(b, callId)).escalationId).toBe(answer.escalationId);

    const list = async (app: LiveApp, headers: Headers) => {
      const res = await fetch(`${app.url}/v1/escalations`, { headers });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    };
    expect(await list(a, ready.headers)).toContain(answer.escalationId);
    expect(await list(a, elsewhere.headers)).not.toContain(answer.escalationId);
    // Another site's offer cannot be taken either.
    const res = await post(b, `/v1/escalations/${answer.escalationId}/accept`, elsewhere.headers);
    expect(res.status).toBe(404);
  });

  it('two staff accepting at the same moment through two processes: exactly one wins', async () => {
    const { siteId, callId } = await connectedCall();
    const first = await agent(a, siteId);
    const second = await agent(b, siteId);
    const secondStream = await stream(b, second.headers);
    const answer = await escalate(a, callId);
    expect(answer.availableStaff).toBe(2);

    const path = `/v1/escalations/${answer.escalationId}/accept`;
    const [ra, rb] = await Promise.all([post(a, path, first.headers), post(b, path, second.headers)]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const [won, lost] = ra.status === 200 ? [ra, rb] : [rb, ra];
    const granted = (await won.json()) as {
      token: string;
      livekitUrl: string;
      roomName: string;
      callId: string;
    };
    expect(granted.roomName).toBe(`call-${callId}`);
    expect(granted.callId).toBe(callId);
    expect(granted.livekitUrl).toBe(a.deps.livekit.publicUrl);
    expect(granted.token).toContain(`call-${callId}`);
    expect(((await lost.json()) as { error: { code: string } }).error.code).toBe('escalation_taken');
    expect(await phaseOf(callId)).toBe('human');
    // Taking a call opens its audio and transcript: it is on the record, naming who took it.
    const audited = await dbA.db.select().from(auditLog).where(eq(auditLog.action, 'escalation.accept'));
    const winner = ra.status === 200 ? first : second;
    expect(audited.filter((r) => r.callId === callId).map((r) => r.actor)).toEqual([`staff:${winner.id}`]);
    await secondStream.next(
      isEvent(
        'offer_closed',
        (d: Closed) => d.escalationId === answer.escalationId && d.status === 'accepted',
      ),
    );
  });

  it('when every available staff member declines, nobody is left and the assistant carries on', async () => {
    const { siteId, callId } = await connectedCall();
    const one = await agent(a, siteId);
    const two = await agent(b, siteId);
    const answer = await escalate(a, callId);
    const decline = (app: LiveApp, headers: Headers) =>
      post(app, `/v1/escalations/${answer.escalationId}/decline`, headers);
    const r1 = await decline(a, one.headers);
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ status: 'ringing' });
    expect(await phaseOf(callId)).toBe('waiting_human');
    const r2 = await decline(b, two.headers);
    expect(await r2.json()).toEqual({ status: 'unanswered' });
    expect(await statusOf(answer.escalationId)).toBe('unanswered');
    expect(await phaseOf(callId)).toBe('ai');
    const declines = await dbA.db
      .select()
      .from(escalationDeclines)
      .where(eq(escalationDeclines.escalationId, answer.escalationId));
    expect(declines.map((d) => d.userId).sort()).toEqual([one.id, two.id].sort());
    // It cannot be accepted any more.
    const late = await post(a, `/v1/escalations/${answer.escalationId}/accept`, one.headers);
    expect(late.status).toBe(409);
  });

  it('an offer nobody answers expires with the sweeper, and can no longer be accepted', async () => {
    const { siteId, callId } = await connectedCall();
    const staff = await agent(a, siteId);
    const watching = await stream(b, staff.headers);
    const answer = await escalate(a, callId);
    const later = new Date(Date.now() + (a.deps.config.escalation.offerSeconds + 1) * 1000);
    // One sweep of the API's sweeper, as it runs every SWEEP_INTERVAL_MS, once the countdown is over.
    await sweepOnce({ ...a.deps, now: () => later });
    expect(await statusOf(answer.escalationId)).toBe('expired');
    expect(await phaseOf(callId)).toBe('ai');
    await watching.next(
      isEvent(
        'offer_closed',
        (d: Closed) => d.escalationId === answer.escalationId && d.status === 'expired',
      ),
    );
    const res = await post(a, `/v1/escalations/${answer.escalationId}/accept`, staff.headers);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('escalation_closed');
    // A new request may ring again once the last one is over.
    expect((await escalate(a, callId)).status).toBe('ringing');
  });

  it("a site's offer time sets how long its offers ring; a site without one rings ESCALATION_OFFER_SECONDS", async () => {
    const global = a.deps.config.escalation.offerSeconds;
    const slow = await connectedCall();
    const plain = await connectedCall();
    const patched = await fetch(`${a.url}/v1/sites/${slow.siteId}`, {
      method: 'PATCH',
      headers: { ...a.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ offerSeconds: global + 30 }),
    });
    expect(patched.status).toBe(200);
    const slowStaff = await agent(a, slow.siteId);
    const plainStaff = await agent(a, plain.siteId);
    const slowStream = await stream(b, slowStaff.headers);
    const slowAnswer = await escalate(a, slow.callId);
    const plainAnswer = await escalate(a, plain.callId);
    // What the dashboard's countdown runs from, in the live offer and in the list after a reconnect.
    const ringsFor = (e: { requestedAt: string; expiresAt: string }) =>
      (Date.parse(e.expiresAt) - Date.parse(e.requestedAt)) / 1000;
    const offer = await slowStream.next(
      isEvent('offer', (d: Offer) => d.escalation.id === slowAnswer.escalationId),
    );
    expect(
      ringsFor(
        (JSON.parse(offer.data) as { escalation: { requestedAt: string; expiresAt: string } }).escalation,
      ),
    ).toBe(global + 30);
    const listed = async (headers: Headers) =>
      (
        (await (await fetch(`${a.url}/v1/escalations`, { headers })).json()) as {
          items: { id: string; requestedAt: string; expiresAt: string }[];
        }
      ).items;
    const plainItem = (await listed(plainStaff.headers)).find((i) => i.id === plainAnswer.escalationId);
    expect(plainItem && ringsFor(plainItem)).toBe(global);
    // Once the global time is over only the site without its own time has stopped ringing.
    const [row] = await dbA.db
      .select({ requestedAt: escalations.requestedAt })
      .from(escalations)
      .where(eq(escalations.id, slowAnswer.escalationId));
    const past = (seconds: number) => new Date((row?.requestedAt.getTime() ?? 0) + seconds * 1000);
    await expireEscalations(a.deps, past(global + 1));
    expect(await statusOf(plainAnswer.escalationId)).toBe('expired');
    expect(await statusOf(slowAnswer.escalationId)).toBe('ringing');
    await expireEscalations(a.deps, past(global + 31));
    expect(await statusOf(slowAnswer.escalationId)).toBe('expired');
  });

  it('when the last staff member who could answer goes away, the offer stops ringing at once', async () => {
    const { siteId, callId } = await connectedCall();
    const one = await agent(a, siteId);
    const two = await agent(a, siteId);
    const answer = await escalate(a, callId);
    expect((await post(a, `/v1/escalations/${answer.escalationId}/decline`, one.headers)).status).toBe(200);
    const away = await fetch(`${a.url}/v1/staff/me/availability`, {
      method: 'PUT',
      headers: { ...two.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ available: false }),
    });
    expect(away.status).toBe(200);
    expect(await statusOf(answer.escalationId)).toBe('unanswered');
    expect(await phaseOf(callId)).toBe('ai');
  });

  it('an offer whose call ends while it rings is closed with it, and cannot be taken', async () => {
    const { siteId, callId } = await connectedCall();
    const staff = await agent(a, siteId);
    const watching = await stream(a, staff.headers);
    const answer = await escalate(a, callId);
    const ended = await a.internal(`/internal/calls/${callId}/end`, { reason: 'assistant_ended' });
    expect(ended.status).toBe(200);
    // Closed by the end itself, not a sweep later: no dashboard keeps ringing for a call that is gone.
    expect(await statusOf(answer.escalationId)).toBe('closed');
    const res = await post(a, `/v1/escalations/${answer.escalationId}/accept`, staff.headers);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('escalation_closed');
    await watching.next(
      isEvent('offer_closed', (d: Closed) => d.escalationId === answer.escalationId && d.status === 'closed'),
    );

    // The sweeper finds nothing left to close for an offer nobody tried to take.
    const next = await connectedCall();
    await agent(a, next.siteId);
    const ringing = await escalate(a, next.callId);
    await a.internal(`/internal/calls/${next.callId}/end`, { reason: 'assistant_ended' });
    await expireEscalations(a.deps, new Date());
    expect(await statusOf(ringing.escalationId)).toBe('closed');
  });
});
