import {
  auditLog,
  type DatabaseHandle,
  dropTestDatabase,
  openDatabase,
  recreateTestDatabase,
} from '@voicedesk/db';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSiteWithCall,
  addStaff,
  cookie,
  sessionCookieOf,
  TEST_PASSWORD,
} from '../../apps/api/src/testing/staff-fixtures.ts';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { type LiveApp, liveTestSecrets, segment, startLiveApp } from '../support/live-app.ts';
import { eventually } from '../support/poll.ts';
import { isEvent, openSse, type SseClient } from '../support/sse-client.ts';

interface WireCall {
  id: string;
  siteId: string;
  status: string;
  endedAt: string | null;
}
interface WireSegment {
  id: string;
  speaker: string;
  text: string;
}
type CallData = { call: WireCall };
type SegmentData = { callId: string; segment: WireSegment };
type LiveList = { items: (WireCall & { segments: WireSegment[] })[] };
const TERMINAL = ['completed', 'missed', 'failed'];

const segmentWith = (text: string) => isEvent('segment', (d: SegmentData) => d.segment?.text === text);

type Headers = Record<string, string>;

/** Opens the stream with the given credentials (the bootstrap ADMIN_API_KEY unless told). */
async function stream(app: LiveApp, who: Headers = app.admin, extra: Headers = {}): Promise<SseClient> {
  const before = app.deps.live.subscribers;
  const sse = await openSse(`${app.url}/v1/live/events`, { ...who, ...extra });
  expect(sse.status).toBe(200);
  // Subscribed (and so listening) before anything is stored that it should see.
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

interface SignedIn {
  id: string;
  headers: Headers;
}

/** Signs in through POST /v1/auth/login, as the dashboard does: its session cookie. */
async function signIn(app: LiveApp, user: { id: string; email: string }): Promise<SignedIn> {
  const res = await fetch(`${app.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }),
  });
  expect(res.status).toBe(200);
  const token = sessionCookieOf(res);
  if (!token) throw new Error('no session cookie');
  return { id: user.id, headers: cookie(token) };
}

/**
 * An agent an admin creates on the given sites through POST /v1/staff, who accepts the invite
 * link (choosing a password) and is signed in by it.
 */
async function inviteAgent(
  app: LiveApp,
  admin: SignedIn,
  email: string,
  siteIds: string[],
): Promise<SignedIn> {
  const created = await fetch(`${app.url}/v1/staff`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email, name: email.split('@')[0], role: 'agent', siteIds }),
  });
  expect(created.status).toBe(201);
  const { user, inviteUrl } = (await created.json()) as { user: { id: string }; inviteUrl: string };
  const accepted = await fetch(`${app.url}/v1/auth/invite/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ token: inviteUrl.split('/').at(-1), password: TEST_PASSWORD }),
  });
  expect(accepted.status).toBe(200);
  const token = sessionCookieOf(accepted);
  if (!token) throw new Error('no session cookie');
  return { id: user.id, headers: cookie(token) };
}

/** The `live.read` audit rows of one staff member. */
async function liveReads(database: DatabaseHandle, staffId: string) {
  return database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'live.read'), eq(auditLog.actor, `staff:${staffId}`)));
}

async function liveCallIds(app: LiveApp, who: Headers): Promise<string[]> {
  const res = await fetch(`${app.url}/v1/live/calls`, { headers: who });
  expect(res.status).toBe(200);
  return ((await res.json()) as LiveList).items.map((i) => i.id);
}

/** Resolves true when the stream ends within `ms`, false when it is still open then. */
function endsWithin(sse: SseClient, ms: number): Promise<boolean> {
  return Promise.race([
    sse.ended.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

describe('Live across two API processes on one Postgres database', () => {
  const DB = 'voicedesk_live_events_test';
  let dbA: DatabaseHandle;
  let dbB: DatabaseHandle;
  let a: LiveApp;
  let b: LiveApp;
  const open: SseClient[] = [];
  const track = (sse: SseClient) => {
    open.push(sse);
    return sse;
  };

  beforeAll(async () => {
    const url = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
    dbA = await openDatabase({ kind: 'postgres', url }, { maxConnections: 3 });
    await dbA.migrate();
    dbB = await openDatabase({ kind: 'postgres', url }, { maxConnections: 3 });
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

  it("shows a call created through A, its transcript and its end to B's clients", async () => {
    const sse = track(await stream(b));
    const call = await a.mintCall();
    const created = await sse.next(isEvent('call', (d: CallData) => d.call.id === call.callId));
    expect(JSON.parse(created.data).call).toMatchObject({
      id: call.callId,
      siteId: a.siteId,
      status: 'pending',
    });

    const res = await a.internal(`/internal/calls/${call.callId}/segments`, {
      segments: [segment('Where is my parcel?'), segment('It left the depot this morning.', 'ai')],
    });
    expect(res.status).toBe(200);
    const first = await sse.next(segmentWith('Where is my parcel?'));
    expect(JSON.parse(first.data)).toMatchObject({
      callId: call.callId,
      segment: { speaker: 'visitor', text: 'Where is my parcel?' },
    });
    await sse.next(segmentWith('It left the depot this morning.'));
    // In the order they were stored.
    const texts = sse.messages
      .filter((m) => m.event === 'segment')
      .map((m) => JSON.parse(m.data).segment.text);
    expect(texts.slice(-2)).toEqual(['Where is my parcel?', 'It left the depot this morning.']);

    const list = await fetch(`${b.url}/v1/live/calls`, { headers: b.admin });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as LiveList;
    const listed = items.find((i) => i.id === call.callId);
    expect(listed?.segments.map((s) => s.text)).toEqual([
      'Where is my parcel?',
      'It left the depot this morning.',
    ]);

    const end = await fetch(`${a.url}/v1/calls/${call.callId}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.visitorKey}`, origin: 'https://shop.example.test' },
    });
    expect(end.status).toBe(200);
    const ended = await sse.next(
      isEvent('call', (d: CallData) => d.call.id === call.callId && TERMINAL.includes(d.call.status)),
    );
    expect(JSON.parse(ended.data).call.endedAt).not.toBeNull();
    const after = (await (await fetch(`${b.url}/v1/live/calls`, { headers: b.admin })).json()) as LiveList;
    expect(after.items.map((i) => i.id)).not.toContain(call.callId);
  });

  it('gives each signed-in staff member the live calls of their own sites only, and audits each look', async () => {
    const other = await addSiteWithCall(dbA.db, 'pk_live_other_site_01');
    const adminUser = await addStaff(dbA.db, { email: 'live-admin@example.com', role: 'admin' });
    const admin = await signIn(b, adminUser);
    const own = await inviteAgent(b, admin, 'own-agent@example.com', [a.siteId]);
    const both = await inviteAgent(a, admin, 'both-sites@example.com', [a.siteId, other.siteId]);
    const otherOnly = await inviteAgent(b, admin, 'other-agent@example.com', [other.siteId]);
    const noSites = await inviteAgent(b, admin, 'no-sites@example.com', []);

    const readsBefore = (await liveReads(dbA, own.id)).length;
    const adminSse = track(await stream(b, admin.headers));
    const ownSse = track(await stream(b, own.headers));
    const bothSse = track(await stream(b, both.headers));
    const otherSse = track(await stream(b, otherOnly.headers));
    const noSitesSse = track(await stream(b, noSites.headers));
    // Opening the stream is a transcript read, recorded under the agent's own id.
    const afterOpen = await liveReads(dbA, own.id);
    expect(afterOpen.length).toBe(readsBefore + 1);
    expect(afterOpen.at(-1)).toMatchObject({
      actor: `staff:${own.id}`,
      callId: null,
      details: { stream: true },
    });

    const call = await a.mintCall();
    await a.internal(`/internal/calls/${call.callId}/segments`, {
      segments: [segment('My card number is private')],
    });
    for (const sse of [adminSse, ownSse, bothSse]) {
      await sse.next(isEvent('call', (d: CallData) => d.call.id === call.callId));
      await sse.next(segmentWith('My card number is private'));
    }
    const mine = (m: { data: string }) => m.data.includes(call.callId);
    // Given as long as the others took, and then some: nothing of the call reaches them.
    expect(await otherSse.within(500, mine)).toEqual([]);
    expect(otherSse.messages.filter(mine)).toEqual([]);
    expect(noSitesSse.messages.filter(mine)).toEqual([]);
    expect(noSitesSse.messages.filter((m) => m.event === 'call' || m.event === 'segment')).toEqual([]);

    const listBefore = (await liveReads(dbA, own.id)).length;
    expect(await liveCallIds(b, admin.headers)).toContain(call.callId);
    expect(await liveCallIds(b, own.headers)).toContain(call.callId);
    expect(await liveCallIds(a, both.headers)).toContain(call.callId);
    expect(await liveCallIds(b, otherOnly.headers)).not.toContain(call.callId);
    expect(await liveCallIds(b, noSites.headers)).toEqual([]);
    // Listing is a read too: one row for the look, under the agent's id.
    const afterList = await liveReads(dbA, own.id);
    expect(afterList.length).toBe(listBefore + 1);
    expect(afterList.at(-1)).toMatchObject({ actor: `staff:${own.id}`, callId: null });
    expect(afterList.at(-1)?.details).toHaveProperty('calls');
    expect(await liveReads(dbA, admin.id)).toHaveLength(2);
  });

  it("ends a disabled agent's open stream, and their session opens neither route again", async () => {
    const adminUser = await addStaff(dbA.db, { email: 'live-admin-2@example.com', role: 'admin' });
    const admin = await signIn(a, adminUser);
    const leaver = await inviteAgent(a, admin, 'leaver@example.com', [a.siteId]);
    const subscribed = b.deps.live.subscribers;
    const sse = track(await stream(b, leaver.headers));
    const before = await a.mintCall();
    await sse.next(isEvent('call', (d: CallData) => d.call.id === before.callId));

    // Disabled through the other process: the stream's process learns it from the database.
    const res = await fetch(`${a.url}/v1/staff/${leaver.id}`, {
      method: 'PATCH',
      headers: { ...admin.headers, 'content-type': 'application/json', origin: a.url },
      body: JSON.stringify({ disabled: true }),
    });
    expect(res.status).toBe(200);
    // Within a few heartbeats (0.2 s here): the stream is rechecked as it beats.
    expect(await endsWithin(sse, 3_000)).toBe(true);
    await eventually(
      'the ended stream to be unsubscribed',
      async () => (b.deps.live.subscribers === subscribed ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const after = await a.mintCall();
    await a.internal(`/internal/calls/${after.callId}/segments`, { segments: [segment('After they left')] });
    expect(sse.messages.filter((m) => m.data.includes(after.callId))).toEqual([]);

    // What the browser's EventSource does next: reconnect. And the list: both refused.
    for (const path of ['/v1/live/events', '/v1/live/calls']) {
      const again = await fetch(`${b.url}${path}`, { headers: leaver.headers });
      expect(again.status).toBe(401);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it("closes an agent's open stream when their sites change, and the reconnect sees the new ones", async () => {
    const adminUser = await addStaff(dbA.db, { email: 'live-admin-3@example.com', role: 'admin' });
    const admin = await signIn(a, adminUser);
    const mover = await inviteAgent(a, admin, 'mover@example.com', [a.siteId]);
    const patch = (body: object) =>
      fetch(`${a.url}/v1/staff/${mover.id}`, {
        method: 'PATCH',
        headers: { ...admin.headers, 'content-type': 'application/json', origin: a.url },
        body: JSON.stringify(body),
      });
    const sse = track(await stream(b, mover.headers));
    // Saving the same sites keeps the stream (many heartbeats of 0.2 s).
    expect((await patch({ siteIds: [a.siteId] })).status).toBe(200);
    expect(await endsWithin(sse, 1_500)).toBe(false);

    // Taken off the site through the other process.
    expect((await patch({ siteIds: [] })).status).toBe(200);
    expect(await endsWithin(sse, 3_000)).toBe(true);
    const after = await a.mintCall();
    expect(sse.messages.filter((m) => m.data.includes(after.callId))).toEqual([]);

    // The browser reconnects, still signed in, and now sees none of that site's calls.
    const again = track(await stream(b, mover.headers));
    const watcher = track(await stream(b));
    const later = await a.mintCall();
    // The same process hands each event to all its streams at once: once the admin has it, the
    // agent would have too.
    await watcher.next(isEvent('call', (d: CallData) => d.call.id === later.callId));
    expect(again.messages.filter((m) => m.data.includes(later.callId))).toEqual([]);
    expect(await liveCallIds(b, mover.headers)).toEqual([]);
  });

  it('closes a stream opened with an API key once the key is revoked, and the key opens it no more', async () => {
    const created = await fetch(`${a.url}/v1/api-keys`, {
      method: 'POST',
      headers: { ...a.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'wallboard', scopes: ['calls:read'] }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const bearer = { authorization: `Bearer ${secret}` };
    const sse = track(await stream(b, bearer));
    expect(await endsWithin(sse, 1_000)).toBe(false);

    const revoked = await fetch(`${a.url}/v1/api-keys/${key.id}`, { method: 'DELETE', headers: a.admin });
    expect(revoked.status).toBe(204);
    expect(await endsWithin(sse, 3_000)).toBe(true);
    expect((await fetch(`${b.url}/v1/live/events`, { headers: bearer })).status).toBe(401);
  });

  it('delivers a largest-size batch of segments whole and in order', async () => {
    const sse = track(await stream(b));
    const call = await a.mintCall();
    // Large sequence numbers, as a resumed assistant's block gives them: the longest notices.
    const batch = Array.from({ length: 450 }, (_, i) => ({
      ...segment(`line ${i}`),
      seq: 2_000_000_000 + i,
    }));
    expect((await a.internal(`/internal/calls/${call.callId}/segments`, { segments: batch })).status).toBe(
      200,
    );
    await sse.next(segmentWith('line 449'), 10_000);
    const got = sse.messages
      .filter(isEvent('segment', (d: SegmentData) => d.callId === call.callId))
      .map((m) => (JSON.parse(m.data) as SegmentData).segment.text);
    expect(got).toEqual(batch.map((s) => s.text));
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const sse = track(await stream(b));
    const beat = await sse.next((m) => m.comment === 'heartbeat', 3_000);
    expect(beat.event).toBe('message');
  });

  it('forgets a client that disconnects', async () => {
    const before = b.deps.live.subscribers;
    const sse = await stream(b);
    expect(b.deps.live.subscribers).toBe(before + 1);
    sse.close();
    await eventually(
      'the client to be removed',
      async () => (b.deps.live.subscribers === before ? true : undefined),
      {
        timeoutMs: 5_000,
        intervalMs: 20,
      },
    );
  });

  it('holds no stream open for a HEAD request', async () => {
    const before = b.deps.live.subscribers;
    const head = await fetch(`${b.url}/v1/live/events`, { method: 'HEAD', headers: b.admin });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/event-stream');
    // Long enough for a stream to have subscribed, had one been opened and left open.
    await new Promise((r) => setTimeout(r, 300));
    expect(b.deps.live.subscribers).toBe(before);
  });

  it('replays what was stored while a client was away when it comes back with Last-Event-ID', async () => {
    const call = await a.mintCall();
    const first = await stream(b);
    await a.internal(`/internal/calls/${call.callId}/segments`, { segments: [segment('Before the tunnel')] });
    const seen = await first.next(segmentWith('Before the tunnel'));
    first.close();
    await a.internal(`/internal/calls/${call.callId}/segments`, {
      segments: [segment('Said in the tunnel')],
    });

    const back = track(await stream(b, b.admin, { 'last-event-id': seen.id ?? '' }));
    await back.next(segmentWith('Said in the tunnel'));

    const bad = await fetch(`${b.url}/v1/live/events`, {
      headers: { ...b.admin, 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('last-event-id');
  });

  it('keeps delivering when its listening connection is cut, catching up on what it missed', async () => {
    const sse = track(await stream(b));
    const call = await a.mintCall();
    const admin = postgres(POSTGRES_SERVER_URL, { max: 1, onnotice: () => {} });
    try {
      const cut = await admin`
        select pg_terminate_backend(pid) as cut from pg_stat_activity
        where datname = ${DB} and query ilike 'listen voicedesk_live%'`;
      // Only B listens: A has no client, so it never opened its listening connection.
      expect(cut.length).toBe(1);
    } finally {
      await admin.end({ timeout: 5 });
    }
    // Stored while B is reconnecting (its first retry waits ~250 ms).
    await a.internal(`/internal/calls/${call.callId}/segments`, { segments: [segment('During the outage')] });
    await sse.next(segmentWith('During the outage'), 10_000);
    await a.internal(`/internal/calls/${call.callId}/segments`, { segments: [segment('After the outage')] });
    await sse.next(segmentWith('After the outage'), 10_000);
  });

  it('refuses both routes without a valid key', async () => {
    for (const path of ['/v1/live/calls', '/v1/live/events']) {
      expect((await fetch(`${b.url}${path}`)).status).toBe(401);
      expect((await fetch(`${b.url}${path}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(
        401,
      );
    }
  });
});

describe('Live on PGlite, in one process', () => {
  let database: DatabaseHandle;
  let app: LiveApp;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite', dataDir: ':memory:' });
    await database.migrate();
    app = await startLiveApp(database, { ...liveTestSecrets(), LIVE_HEARTBEAT_SECONDS: '0.2' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it("streams a new call, its segments and a heartbeat to an agent's session, and audits the reads", async () => {
    const user = await addStaff(database.db, {
      email: 'pglite-agent@example.com',
      role: 'agent',
      siteIds: [app.siteId],
    });
    const agent = await signIn(app, user);
    const sse = await stream(app, agent.headers);
    try {
      const call = await app.mintCall();
      await sse.next(isEvent('call', (d: CallData) => d.call.id === call.callId));
      await app.internal(`/internal/calls/${call.callId}/segments`, {
        segments: [segment('Hello from PGlite')],
      });
      const seg = await sse.next(segmentWith('Hello from PGlite'));
      expect(JSON.parse(seg.data).callId).toBe(call.callId);
      await sse.next((m) => m.comment === 'heartbeat', 3_000);
      const { items } = (await (
        await fetch(`${app.url}/v1/live/calls`, { headers: agent.headers })
      ).json()) as LiveList;
      expect(items.find((i) => i.id === call.callId)?.segments).toHaveLength(1);
      const reads = await liveReads(database, agent.id);
      expect(reads.map((r) => r.details)).toEqual([{ stream: true }, { calls: items.length }]);
    } finally {
      sse.close();
    }
  });
});
