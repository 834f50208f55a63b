import { callJobs, newId, sites, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { WebhookEvent } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';

/** One sample line of the Prometheus text format: name, optional {labels}, value. */
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[k as string] = v as string;
    }
    const value = Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

let t: RouteApp;
let webhookCreatedAt = 0;
beforeAll(async () => {
  t = await startRouteApp('metrics', {
    // The webhook's signature is the guard's business, tested elsewhere: here it is taken as valid.
    livekit: {
      receiveWebhook: async () => {
        const event = new WebhookEvent({
          id: `EV_${newId()}`,
          event: 'room_started',
          createdAt: BigInt(webhookCreatedAt),
          room: { name: 'no-such-room' },
        });
        return { event, sent: event.toJson() };
      },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const scrape = (key?: string) =>
  t.request('/metrics', key ? { headers: { authorization: `Bearer ${key}` } } : undefined);

async function insertCalls(status: (typeof voiceCalls.$inferInsert)['status'], n: number) {
  const [site] = await t.database.db
    .select({ id: sites.id })
    .from(sites)
    .where(eq(sites.publicKey, t.siteKey));
  const rows = Array.from({ length: n }, () => {
    const id = newId();
    return {
      id,
      roomName: `room-${id}`,
      siteId: site?.id as string,
      callerIdentity: `visitor-${id}`,
      status,
      joinDeadline: new Date(Date.now() + 60_000),
    };
  });
  await t.database.db.insert(voiceCalls).values(rows);
  return rows.map((r) => r.id);
}

describe('GET /metrics', () => {
  it('refuses without the service key, or with another key', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape(t.deps.config.adminApiKey)).status).toBe(401);
  });

  it('serves Prometheus text with calls by status counted from the table', async () => {
    await insertCalls('pending', 2);
    await insertCalls('ringing', 1);
    const connected = await insertCalls('connected', 3);
    await insertCalls('completed', 4);
    await t.database.db.insert(callJobs).values([
      { id: newId(), callId: connected[0] as string, kind: 'start_recording' },
      { id: newId(), callId: connected[1] as string, kind: 'delete_room', doneAt: new Date() },
    ]);

    const res = await scrape(t.deps.config.internalServiceKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());

    expect(value(samples, 'voicedesk_calls', { status: 'pending' })).toBe(2);
    expect(value(samples, 'voicedesk_calls', { status: 'ringing' })).toBe(1);
    expect(value(samples, 'voicedesk_calls', { status: 'connected' })).toBe(3);
    expect(value(samples, 'voicedesk_calls', { status: 'completed' })).toBe(4);
    // A status with no calls is 0, not absent.
    expect(value(samples, 'voicedesk_calls', { status: 'failed' })).toBe(0);
    expect(value(samples, 'voicedesk_calls_in_progress')).toBe(3);
    expect(value(samples, 'voicedesk_calls_pending')).toBe(3);
    expect(value(samples, 'voicedesk_call_jobs_backlog')).toBe(1);
    // The scrapes above went through the request middleware, by route pattern and status class.
    expect(
      value(samples, 'voicedesk_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/metrics',
        status_class: '4xx',
      }),
    ).toBe(2);
    expect(samples.some((s) => s.name === 'voicedesk_livekit_webhook_lag_seconds_count')).toBe(true);
  });

  it('labels requests by route pattern, never by the path with its ids', async () => {
    await t.request(`/v1/calls/${newId()}`, { headers: { authorization: 'Bearer nope' } });
    const text = await (await scrape(t.deps.config.internalServiceKey)).text();
    expect(text).toContain('route="/v1/calls/:id"');
  });

  it('observes how late a stored webhook arrived after LiveKit stamped it', async () => {
    webhookCreatedAt = Math.floor(Date.now() / 1000) - 3;
    const res = await t.request('/v1/livekit/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: 'signed' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const samples = parsePrometheus(await (await scrape(t.deps.config.internalServiceKey)).text());
    expect(value(samples, 'voicedesk_livekit_webhook_lag_seconds_count')).toBe(1);
    const sum = value(samples, 'voicedesk_livekit_webhook_lag_seconds_sum') ?? 0;
    expect(sum).toBeGreaterThanOrEqual(3);
    expect(sum).toBeLessThan(10);
  });
});

describe('with INTERNAL_PORT set', () => {
  it('the public listener has no /metrics, even with the service key', async () => {
    const pub = await startRouteApp('metrics_public', { surface: 'public' });
    try {
      const res = await pub.request('/metrics', {
        headers: { authorization: `Bearer ${pub.deps.config.internalServiceKey}` },
      });
      expect(res.status).toBe(404);
    } finally {
      await pub.close();
    }
  });

  it('the internal listener serves it', async () => {
    const internal = await startRouteApp('metrics_internal', { surface: 'internal' });
    try {
      expect((await internal.request('/metrics')).status).toBe(401);
      const res = await internal.request('/metrics', {
        headers: { authorization: `Bearer ${internal.deps.config.internalServiceKey}` },
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('voicedesk_calls{status="pending"} 0');
    } finally {
      await internal.close();
    }
  });
});
