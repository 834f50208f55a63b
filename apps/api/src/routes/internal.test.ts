import { newId } from '@voicedesk/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';

const INT4_MAX = 2 ** 31 - 1;

let t: RouteApp;
let callId: string;
beforeAll(async () => {
  t = await startRouteApp('internal');
  callId = await t.insertCall();
});
afterAll(async () => {
  await t?.close();
});

const segment = (over: Record<string, unknown> = {}) => ({
  seq: 1,
  speaker: 'visitor',
  text: 'hello there',
  startedAt: '2026-11-20T09:00:00.000Z',
  endedAt: '2026-11-20T09:00:01.000Z',
  source: 'realtime',
  ...over,
});
const metric = (over: Record<string, unknown> = {}) => ({
  turn: 1,
  kind: 'llm',
  values: { ttftMs: 120, model: 'gpt-realtime' },
  ...over,
});

const postSegments = (segments: unknown[]) => t.internal(`/internal/calls/${callId}/segments`, { segments });
const postMetrics = (metrics: unknown[]) => t.internal(`/internal/calls/${callId}/metrics`, { metrics });

describe('POST /internal/calls/:id/segments refuses what Postgres cannot store', () => {
  it.each([
    ['segments.0.text', [segment({ text: 'card\u0000number' })]],
    ['segments.0.speaker', [segment({ speaker: 'visitor\u0000' })]],
    ['segments.0.language', [segment({ language: 'en\u0000' })]],
    ['segments.0.seq', [segment({ seq: INT4_MAX + 1 })]],
    ['segments.1.seq', [segment(), segment({ seq: 2 ** 53 })]],
    ['segments.0.startedAt', [segment({ startedAt: '0000-01-01T00:00:00.000Z' })]],
    ['segments.0.endedAt', [segment({ endedAt: '0000-06-01T00:00:00Z' })]],
  ])('400 validation_failed naming %s', async (field, segments) => {
    expect(await errorOf(await postSegments(segments))).toMatchObject({
      status: 400,
      code: 'validation_failed',
      field,
    });
  });

  it('stores the largest seq Postgres can hold', async () => {
    const res = await postSegments([segment({ seq: INT4_MAX })]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1 });
  });
});

describe('POST /internal/calls/:id/metrics refuses what Postgres cannot store', () => {
  it.each([
    ['metrics.0.turn', [metric({ turn: INT4_MAX + 1 })]],
    ['metrics.1.kind', [metric(), metric({ turn: 2, kind: 'tts\u0000' })]],
    ['metrics.0.values.model', [metric({ values: { model: 'gpt\u0000' } })]],
    ['metrics.0.values', [metric({ values: { 'ttft\u0000': 1 } })]],
    ['metrics.1.kind', [metric(), metric()]],
    ['metrics.0.values.note', [metric({ values: { note: 'half a pair \ud800' } })]],
    ['metrics.0.values', [metric({ values: { '\udc00': 1 } })]],
  ])('400 validation_failed naming %s', async (field, metrics) => {
    expect(await errorOf(await postMetrics(metrics))).toMatchObject({
      status: 400,
      code: 'validation_failed',
      field,
    });
  });

  it('stores one batch with the same turn under different kinds, and replays it', async () => {
    const batch = [
      metric({ turn: INT4_MAX }),
      metric({ turn: INT4_MAX, kind: 'tts', values: { voice: 'alloy 👋' } }),
    ];
    for (let i = 0; i < 2; i++) {
      const res = await postMetrics(batch);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 2 });
    }
  });
});

describe('internal routes answer the codes the agent reporter acts on', () => {
  const paths = ['segments', 'metrics'] as const;
  const bodies = { segments: { segments: [segment()] }, metrics: { metrics: [metric()] } };

  it.each(paths)('%s: 404 call_not_found for a call that does not exist', async (what) => {
    const res = await t.internal(`/internal/calls/${newId()}/${what}`, bodies[what]);
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'call_not_found', field: 'id' });
  });

  it.each(paths)('%s: 401 unauthorized for a wrong service key', async (what) => {
    const res = await t.internal(`/internal/calls/${callId}/${what}`, bodies[what], 'x'.repeat(32));
    expect(await errorOf(res)).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it.each(paths)('%s: 400 validation_failed for a body that is not JSON', async (what) => {
    const res = await t.request(`/internal/calls/${callId}/${what}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${t.deps.config.internalServiceKey}`,
      },
      body: '{"segments": [',
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'validation_failed', field: 'body' });
  });

  it.each(paths)('%s: 400 validation_failed for a malformed call id', async (what) => {
    const res = await t.internal(`/internal/calls/not-a-uuid/${what}`, bodies[what]);
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'validation_failed', field: 'id' });
  });
});
