import {
  auditLog,
  type DatabaseHandle,
  dropTestDatabase,
  openDatabase,
  recreateTestDatabase,
} from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, cookie } from '../../apps/api/src/testing/staff-fixtures.ts';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { connectedCallOnNewSite, type LiveApp, liveTestSecrets, startLiveApp } from '../support/live-app.ts';
import { eventually } from '../support/poll.ts';
import { isEvent, openSse, type SseClient } from '../support/sse-client.ts';

/**
 * Nobody could take the call: the assistant stores the visitor's request to be called back
 * (through one API process), staff of the call's site see it live and in the list (through
 * another), claim it and close it.
 */
const DB = 'voicedesk_callback_requests_test';
let dbA: DatabaseHandle;
let dbB: DatabaseHandle;
let a: LiveApp;
let b: LiveApp;
const open: SseClient[] = [];

type Headers = Record<string, string>;
interface Item {
  id: string;
  callId: string;
  siteId: string;
  name: string;
  contact: string;
  reason: string;
  status: string;
  claimedBy: { id: string; name: string } | null;
  createdAt: string;
  closedAt: string | null;
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

const connectedCall = () => connectedCallOnNewSite(a, dbA, 'pk_cb_');

let staffCount = 0;
async function staff(
  role: 'agent' | 'admin',
  siteIds: string[] = [],
): Promise<{ id: string; headers: Headers }> {
  staffCount += 1;
  const s = await addStaff(dbA.db, { email: `cb${staffCount}@cb.test`, role, siteIds });
  return { id: s.id, headers: { ...cookie(s.token), origin: b.url } };
}

const request = {
  name: '  Ada Visitor ',
  contact: 'ada@example.test',
  reason: 'Wants to change a delivery.',
};

const create = (callId: string, body: unknown = request) =>
  a.internal(`/internal/calls/${callId}/callback-requests`, body);

async function list(headers: Headers, query = ''): Promise<Item[]> {
  const res = await fetch(`${b.url}/v1/callback-requests${query}`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Item[] }).items;
}

const post = (path: string, headers: Headers) => fetch(`${b.url}${path}`, { method: 'POST', headers });

async function codeOf(res: Response) {
  return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
}

async function stream(headers: Headers): Promise<SseClient> {
  const before = b.deps.live.subscribers;
  const sse = await openSse(`${b.url}/v1/live/events`, headers);
  open.push(sse);
  expect(sse.status).toBe(200);
  await eventually(
    'the stream to subscribe',
    async () => (b.deps.live.subscribers > before ? true : undefined),
    {
      timeoutMs: 5_000,
      intervalMs: 20,
    },
  );
  return sse;
}

describe('callback requests', () => {
  it('the assistant stores one per call; a retry gets the same id; an ended call without one is 409', async () => {
    const { callId } = await connectedCall();
    const first = await create(callId);
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    const retry = await create(callId, { ...request, reason: 'Something else.' });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ id });
    // Once the assistant said goodbye the call ends; a late retry still finds its request.
    expect((await a.internal(`/internal/calls/${callId}/end`, { reason: 'callback_requested' })).status).toBe(
      200,
    );
    expect((await create(callId)).status).toBe(200);

    const ended = await connectedCall();
    await a.internal(`/internal/calls/${ended.callId}/end`, { reason: 'assistant_ended' });
    expect(await codeOf(await create(ended.callId))).toEqual({ status: 409, code: 'call_not_active' });
    expect(await codeOf(await create('0190f0f0-0000-7000-8000-000000000000'))).toEqual({
      status: 404,
      code: 'call_not_found',
    });
    for (const bad of [
      { ...request, name: '   ' },
      { ...request, contact: 'x'.repeat(201) },
      { ...request, reason: 'x'.repeat(501) },
      { name: 'Ada', contact: 'ada@example.test' },
    ]) {
      expect((await create(ended.callId, bad)).status).toBe(400);
    }
  });

  it('staff of the site see it live and in the list, claim it and close it; another site sees nothing', async () => {
    const { siteId, callId } = await connectedCall();
    const other = await connectedCall();
    const ann = await staff('agent', [siteId]);
    const bob = await staff('agent', [siteId]);
    const elsewhere = await staff('agent', [other.siteId]);
    const admin = await staff('admin');
    const annStream = await stream(ann.headers);
    const elsewhereStream = await stream(elsewhere.headers);

    const created = await create(callId);
    const { id } = (await created.json()) as { id: string };
    const live = await annStream.next(
      isEvent('callback', (d: { callbackRequest: Item }) => d.callbackRequest.id === id),
    );
    const { callbackRequest } = JSON.parse(live.data) as { callbackRequest: Item };
    expect(callbackRequest).toMatchObject({
      id,
      callId,
      siteId,
      name: 'Ada Visitor',
      contact: 'ada@example.test',
      reason: 'Wants to change a delivery.',
      status: 'open',
      claimedBy: null,
      closedAt: null,
    });
    expect(await elsewhereStream.within(300, (m) => m.event === 'callback')).toEqual([]);

    expect((await list(ann.headers)).map((i) => i.id)).toEqual([id]);
    expect(await list(elsewhere.headers)).toEqual([]);
    expect((await list(admin.headers)).map((i) => i.id)).toContain(id);
    // Reading contacts is on the record.
    const reads = await dbA.db.select().from(auditLog).where(eq(auditLog.action, 'callback.read'));
    expect(reads.map((r) => r.actor)).toContain(`staff:${ann.id}`);

    // Another site's staff cannot touch it.
    expect((await post(`/v1/callback-requests/${id}/claim`, elsewhere.headers)).status).toBe(404);
    expect((await post(`/v1/callback-requests/${id}/close`, elsewhere.headers)).status).toBe(404);

    // Two claims at once: one wins, the other hears who has it.
    const [ra, rb] = await Promise.all([
      post(`/v1/callback-requests/${id}/claim`, ann.headers),
      post(`/v1/callback-requests/${id}/claim`, bob.headers),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const [winner, loser, lost] = ra.status === 200 ? [ann, bob, rb] : [bob, ann, ra];
    expect((await codeOf(lost)).code).toBe('callback_claimed');
    const claimed = await list(ann.headers, '?status=claimed');
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.claimedBy?.id).toBe(winner.id);
    await annStream.next(
      isEvent('callback', (d: { callbackRequest: Item }) => d.callbackRequest.status === 'claimed'),
    );

    // Only the claimer (or an admin) closes it.
    expect(await codeOf(await post(`/v1/callback-requests/${id}/close`, loser.headers))).toEqual({
      status: 409,
      code: 'callback_claimed',
    });
    const closed = await post(`/v1/callback-requests/${id}/close`, winner.headers);
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ id, status: 'closed', claimedBy: { id: winner.id } });
    expect(await list(ann.headers)).toEqual([]);
    expect((await list(ann.headers, '?status=closed')).map((i) => i.id)).toEqual([id]);
    await annStream.next(
      isEvent('callback', (d: { callbackRequest: Item }) => d.callbackRequest.status === 'closed'),
    );
  });

  it('closing an open request claims it too, and an admin may close one someone else claimed', async () => {
    const { siteId, callId } = await connectedCall();
    const next = await connectedCall();
    const ann = await staff('agent', [siteId, next.siteId]);
    const admin = await staff('admin');
    const one = ((await (await create(callId)).json()) as { id: string }).id;
    const closed = await post(`/v1/callback-requests/${one}/close`, ann.headers);
    expect(await closed.json()).toMatchObject({ status: 'closed', claimedBy: { id: ann.id } });

    const two = ((await (await create(next.callId)).json()) as { id: string }).id;
    expect((await post(`/v1/callback-requests/${two}/claim`, ann.headers)).status).toBe(200);
    const byAdmin = await post(`/v1/callback-requests/${two}/close`, admin.headers);
    expect(byAdmin.status).toBe(200);
    expect(await byAdmin.json()).toMatchObject({ status: 'closed', claimedBy: { id: ann.id } });
  });
});
