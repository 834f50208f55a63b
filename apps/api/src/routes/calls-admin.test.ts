import { callEvents, callParticipants, newId } from '@voicedesk/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { callDetailSchema } from './calls-admin.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('calls_admin');
});
afterAll(async () => {
  await t?.close();
});

const list = (query: string) =>
  t.request(`/v1/calls?${query}`, { headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` } });

describe('GET /v1/calls query parameters that Postgres cannot take', () => {
  it.each([
    ['from', 'from=0000-01-01T00:00:00Z'],
    ['to', `to=${encodeURIComponent('0001-01-01T00:30:00+01:00')}`],
    ['siteId', 'siteId=%00'],
    ['cursor', 'cursor=%00'],
    ['limit', 'limit=2147483648'],
  ])('400 validation_failed naming %s', async (field, query) => {
    expect(await errorOf(await list(query))).toMatchObject({ status: 400, code: 'validation_failed', field });
  });

  it('accepts the earliest time Postgres can hold', async () => {
    expect((await list('from=0001-01-01T00:00:00Z')).status).toBe(200);
  });
});

describe('admin routes without the admin key', () => {
  const id = '01900000-0000-7000-8000-000000000000';
  it.each([
    ['GET', '/v1/calls'],
    ['HEAD', '/v1/calls'],
    ['GET', `/v1/calls/${id}`],
    ['HEAD', `/v1/calls/${id}`],
  ])('%s %s answers 401 and never reaches the database', async (method, path) => {
    t.queries.count = 0;
    const res = await t.request(path, { method });
    expect(res.status).toBe(401);
    expect(t.queries.count).toBe(0);
  });
});

describe('GET /v1/calls filters that cannot mean anything', () => {
  it.each([
    ['endReason', 'endReason=hung_up_maybe'],
    ['minDuration', 'minDuration=-1'],
    ['maxDuration', 'maxDuration=ten'],
    ['minDuration', 'minDuration=60&maxDuration=30'],
    ['q', `q=${'a'.repeat(201)}`],
    ['q', 'q=%00'],
  ])('400 validation_failed naming %s', async (field, query) => {
    expect(await errorOf(await list(query))).toMatchObject({ status: 400, code: 'validation_failed', field });
  });
});

describe('GET /v1/calls/:id', () => {
  it('answers the shape its OpenAPI document gives (the dashboard is typed from it)', async () => {
    const callId = await t.insertCall();
    const at = new Date('2026-11-20T09:00:00.000Z');
    await t.database.db.insert(callParticipants).values({
      id: newId(),
      callId,
      participantSid: 'PA_1',
      identity: `visitor-${callId}`,
      kind: 'visitor',
      name: 'Grace',
      joinedAt: at,
    });
    await t.database.db.insert(callEvents).values({
      id: newId(),
      eventId: `test-${callId}`,
      callId,
      type: 'participant_joined',
      source: 'livekit',
      payload: { any: 'thing' },
      createdAt: at,
    });
    const segment = { seq: 1, speaker: 'visitor', text: 'hello', source: 'realtime' };
    const times = { startedAt: at.toISOString(), endedAt: '2026-11-20T09:00:01.000Z' };
    expect(
      (await t.internal(`/internal/calls/${callId}/segments`, { segments: [{ ...segment, ...times }] }))
        .status,
    ).toBe(200);
    const metric = { turn: 1, kind: 'llm', values: { ttftMs: 120, model: 'gpt-realtime' } };
    expect((await t.internal(`/internal/calls/${callId}/metrics`, { metrics: [metric] })).status).toBe(200);

    const res = await t.request(`/v1/calls/${callId}`, {
      headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` },
    });
    expect(res.status).toBe(200);
    const parsed = callDetailSchema.safeParse(await res.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({
      id: callId,
      participants: [{ kind: 'visitor', name: 'Grace' }],
      segments: [{ ...segment, offsetMs: null }],
      events: [{ type: 'participant_joined', source: 'livekit' }],
      metrics: [metric],
      recording: null,
    });
  });
});
