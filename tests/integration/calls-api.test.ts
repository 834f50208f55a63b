import { newId, sites, transcriptSegments, voiceCalls } from '@voicedesk/db';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startApiHarness } from '../support/api-harness.ts';

let h: ApiHarness;
let siteId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  h = await startApiHarness('calls_api');
  const [site] = await h.api.deps.database.db.select().from(sites).where(eq(sites.publicKey, h.siteKey));
  siteId = site?.id as string;
  // Known rows so list, filters and stats have exact expected answers.
  const base = Date.parse('2026-11-20T09:00:00Z');
  const rows: Array<[string, 'completed' | 'missed' | 'failed' | 'pending', number | null, number]> = [
    ['a', 'completed', 60, 0],
    ['b', 'completed', 120, 1],
    ['c', 'missed', null, 2],
    ['d', 'failed', 30, 3],
    ['e', 'pending', null, 4],
  ];
  for (const [name, status, duration, hour] of rows) {
    const id = newId();
    ids[name] = id;
    await h.api.deps.database.db.insert(voiceCalls).values({
      id,
      roomName: `call-${id}`,
      siteId,
      callerIdentity: `visitor-${id}`,
      status,
      durationSeconds: duration,
      joinDeadline: new Date(base + hour * 3_600_000 + 600_000),
      createdAt: new Date(base + hour * 3_600_000),
    });
  }
});
afterAll(async () => {
  await h?.stop();
});

const internal = (path: string, init: RequestInit = {}, key = h.config.internalServiceKey) =>
  h.request(path, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(init.headers ?? {}) },
  });

const segment = (seq: number, speaker: string, text: string) => ({
  seq,
  speaker,
  text,
  startedAt: new Date(Date.UTC(2026, 10, 20, 9, 0, seq)).toISOString(),
  endedAt: new Date(Date.UTC(2026, 10, 20, 9, 0, seq + 1)).toISOString(),
  source: 'realtime',
});

describe('internal routes (agent only)', () => {
  it('refuse a missing or wrong service key', async () => {
    const path = `/internal/calls/${ids.a}/assistant`;
    const json = { 'content-type': 'application/json' };
    expect((await h.request(path, { method: 'POST', body: '{}', headers: json })).status).toBe(401);
    expect((await internal(path, { method: 'POST', body: '{}' }, h.config.adminApiKey)).status).toBe(401);
  });

  it("give the agent the site's assistant settings and nothing secret", async () => {
    const res = await internal(`/internal/calls/${ids.a}/assistant`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      callId: ids.a,
      siteId,
      maxCallSeconds: 900,
      idleSeconds: 30,
      voice: 'alloy',
      seqBase: 0,
      resumed: false,
      history: [],
    });
    expect(String(body.greeting)).toContain('VoiceDesk');
    expect(JSON.stringify(body)).not.toContain(h.config.internalServiceKey);
  });

  it('give a second assistant job of a call its own segment numbers, no greeting, and the talk so far', async () => {
    const take = async () =>
      (await (
        await internal(`/internal/calls/${ids.e}/assistant`, { method: 'POST', body: '{}' })
      ).json()) as {
        seqBase: number;
        resumed: boolean;
        history: { speaker: string; text: string }[];
      };
    const first = await take();
    await internal(`/internal/calls/${ids.e}/segments`, {
      method: 'POST',
      body: JSON.stringify({
        segments: [segment(0, 'ai', 'Hi, how can I help?'), segment(1, 'visitor', 'My order is late')],
      }),
    });
    const second = await take();
    expect(first).toMatchObject({ seqBase: 0, resumed: false, history: [] });
    expect(second.resumed).toBe(true);
    expect(second.seqBase).toBeGreaterThanOrEqual(1_000_000);
    expect(second.history).toEqual([
      { speaker: 'assistant', text: 'Hi, how can I help?' },
      { speaker: 'visitor', text: 'My order is late' },
    ]);
    // The second job's first segment does not collide with the first job's numbering.
    const res = await internal(`/internal/calls/${ids.e}/segments`, {
      method: 'POST',
      body: JSON.stringify({ segments: [segment(second.seqBase, 'ai', 'Sorry, where were we?')] }),
    });
    expect(await res.json()).toEqual({ accepted: 1 });
  });

  it('store segments once per seq, however often the agent retries', async () => {
    const batch = { segments: [segment(0, 'ai', 'Hello there'), segment(1, 'visitor', 'I need help')] };
    const first = await internal(`/internal/calls/${ids.b}/segments`, {
      method: 'POST',
      body: JSON.stringify(batch),
    });
    expect(await first.json()).toEqual({ accepted: 2 });
    const again = await internal(`/internal/calls/${ids.b}/segments`, {
      method: 'POST',
      body: JSON.stringify(batch),
    });
    expect(await again.json()).toEqual({ accepted: 0 });
    const detail = (await (await h.admin(`/v1/calls/${ids.b}`)).json()) as { segments: { text: string }[] };
    expect(detail.segments.map((s) => s.text)).toEqual(['Hello there', 'I need help']);
  });

  it('refuse a bad segment batch as a whole, naming the field', async () => {
    const [before] = await h.api.deps.database.db.select({ n: count() }).from(transcriptSegments);
    const res = await internal(`/internal/calls/${ids.c}/segments`, {
      method: 'POST',
      body: JSON.stringify({ segments: [segment(0, 'ai', 'fine'), segment(1, 'robot', 'bad speaker')] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('segments.1.speaker');
    const [after] = await h.api.deps.database.db.select({ n: count() }).from(transcriptSegments);
    expect(after?.n).toBe(before?.n);
  });

  it('404 segments for an unknown call', async () => {
    const res = await internal(`/internal/calls/${newId()}/segments`, {
      method: 'POST',
      body: JSON.stringify({ segments: [segment(0, 'ai', 'x')] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('call_not_found');
  });

  it('upsert metrics by turn and kind', async () => {
    const post = (e2e: number) =>
      internal(`/internal/calls/${ids.b}/metrics`, {
        method: 'POST',
        body: JSON.stringify({ metrics: [{ turn: 1, kind: 'turn', values: { e2eLatencyMs: e2e } }] }),
      });
    expect((await post(900)).status).toBe(200);
    expect((await post(850)).status).toBe(200);
    const detail = (await (await h.admin(`/v1/calls/${ids.b}`)).json()) as { metrics: unknown[] };
    expect(detail.metrics).toEqual([{ turn: 1, kind: 'turn', values: { e2eLatencyMs: 850 } }]);
  });
});

describe('GET /v1/calls (admin)', () => {
  it('refuses a missing or wrong admin key', async () => {
    expect((await h.request('/v1/calls')).status).toBe(401);
    const wrong = await h.request('/v1/calls', {
      headers: { authorization: `Bearer ${h.config.internalServiceKey}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('pages through every call newest first without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.admin(`/v1/calls?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
  });

  it('filters by status, site and date range', async () => {
    const get = async (q: string) =>
      ((await (await h.admin(`/v1/calls?${q}`)).json()) as { items: { id: string }[] }).items.map(
        (i) => i.id,
      );
    expect(await get('status=completed,failed')).toEqual([ids.d, ids.b, ids.a]);
    expect(await get(`siteId=${siteId}&status=missed`)).toEqual([ids.c]);
    expect(await get(`siteId=${newId()}`)).toEqual([]);
    expect(await get('from=2026-11-20T10:30:00Z&to=2026-11-20T12:30:00Z')).toEqual([ids.d, ids.c]);
  });

  it('adds totals, minutes, average duration and missed rate with stats=1', async () => {
    const res = await h.admin('/v1/calls?stats=1');
    const body = (await res.json()) as { stats: Record<string, unknown> };
    expect(body.stats).toEqual({
      total: 5,
      byStatus: { completed: 2, missed: 1, failed: 1, pending: 1 },
      totalMinutes: 3.5,
      averageDurationSeconds: 70,
      missedRate: 0.25,
    });
  });

  it('rejects bad filters naming the parameter', async () => {
    for (const [q, field] of [
      ['status=bogus', 'status'],
      ['limit=0', 'limit'],
      ['cursor=nope', 'cursor'],
      ['from=yesterday', 'from'],
      ['from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z', 'from'],
    ]) {
      const res = await h.admin(`/v1/calls?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field, q).toBe(field);
    }
  });

  it('404s an unknown call and 400s a malformed id', async () => {
    expect((await h.admin(`/v1/calls/${newId()}`)).status).toBe(404);
    expect((await h.admin('/v1/calls/123')).status).toBe(400);
  });
});

describe('widget assets', () => {
  it('serves the widget script to any site and a demo page that embeds it', async () => {
    const script = await h.request('/widget.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(script.headers.get('access-control-allow-origin')).toBe('*');
    expect(await script.text()).toContain('VoiceDesk');
    const demo = await (await h.request('/demo')).text();
    expect(demo).toContain(`<script src="/widget.js" data-site-key="${h.siteKey}" async></script>`);
    expect((await h.request('/other.js')).status).toBe(404);
  });
});

describe('operations', () => {
  it('reports liveness and readiness of the database and LiveKit', async () => {
    expect(await (await h.request('/healthz')).json()).toEqual({ ok: true });
    const ready = await h.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: 'ok', livekit: 'ok' } });
  });

  it('publishes an OpenAPI document generated from the routes, and a docs page', async () => {
    const doc = (await (await h.request('/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/calls',
        '/v1/calls/{id}',
        '/v1/livekit/webhook',
        '/internal/calls/{id}/segments',
      ]),
    );
    const docs = await h.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/v1/openapi.json');
  });
});
