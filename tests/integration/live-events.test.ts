import { randomBytes } from 'node:crypto';
import {
  type DatabaseHandle,
  dropTestDatabase,
  newId,
  openDatabase,
  recreateTestDatabase,
  sites,
} from '@voicedesk/db';
import type { Context } from 'hono';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { type LiveApp, liveTestSecrets, segment, startLiveApp } from '../support/live-app.ts';
import { eventually } from '../support/poll.ts';
import { isEvent, openSse, type SseClient } from '../support/sse-client.ts';

// Stands in for the staff session (auth branch): the caller's sites come from a test header,
// so a stream can be opened as an agent of chosen sites. Without the header: an admin.
vi.mock('../../apps/api/src/routes/staff-scope.ts', () => ({
  scopeOf: (c: Context) => {
    const sitesHeader = c.req.header('x-test-site-ids');
    return sitesHeader === undefined ? 'all' : sitesHeader.split(',').filter(Boolean);
  },
}));

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

async function stream(app: LiveApp, headers: Record<string, string> = {}): Promise<SseClient> {
  const before = app.deps.live.subscribers;
  const sse = await openSse(`${app.url}/v1/live/events`, { ...app.admin, ...headers });
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

  it('gives an agent the events of their own sites only', async () => {
    const otherSite = newId();
    await dbA.db.insert(sites).values({
      id: otherSite,
      publicKey: `pk_${randomBytes(8).toString('hex')}`,
      name: 'Other shop',
      instructions: 'Help.',
      greeting: 'Hello.',
      theme: { buttonLabel: 'Call', color: '#000000', position: 'bottom-right' },
      allowedOrigins: [],
    });
    const admin = track(await stream(b));
    const ownAgent = track(await stream(b, { 'x-test-site-ids': a.siteId }));
    const otherAgent = track(await stream(b, { 'x-test-site-ids': otherSite }));
    const noSites = track(await stream(b, { 'x-test-site-ids': '' }));

    const call = await a.mintCall();
    await a.internal(`/internal/calls/${call.callId}/segments`, {
      segments: [segment('My card number is private')],
    });
    await admin.next(segmentWith('My card number is private'));
    await ownAgent.next(segmentWith('My card number is private'));
    const mine = (m: { data: string }) => m.data.includes(call.callId);
    expect(await otherAgent.within(500, mine)).toEqual([]);
    expect(otherAgent.messages.filter(mine)).toEqual([]);
    expect(noSites.messages.filter(mine)).toEqual([]);

    const listFor = async (siteIds: string) =>
      (
        (await (
          await fetch(`${b.url}/v1/live/calls`, { headers: { ...b.admin, 'x-test-site-ids': siteIds } })
        ).json()) as LiveList
      ).items.map((i) => i.id);
    expect(await listFor(a.siteId)).toContain(call.callId);
    expect(await listFor(otherSite)).not.toContain(call.callId);
    expect(await listFor('')).toEqual([]);
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

    const back = track(await stream(b, { 'last-event-id': seen.id ?? '' }));
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

  it('streams a new call, its segments and a heartbeat', async () => {
    const sse = await stream(app);
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
        await fetch(`${app.url}/v1/live/calls`, { headers: app.admin })
      ).json()) as LiveList;
      expect(items.find((i) => i.id === call.callId)?.segments).toHaveLength(1);
    } finally {
      sse.close();
    }
  });
});
