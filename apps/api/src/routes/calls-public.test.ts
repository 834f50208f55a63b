import { connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { callMetrics, rateLimitHits, sites, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp, TEST_ORIGIN } from '../testing/route-app.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('calls_public');
});
afterAll(async () => {
  await t?.close();
});

const createCall = (body: unknown) =>
  t.request('/v1/calls', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
    body: JSON.stringify(body),
  });

/** A hand-written HTTP/1.1 request, so the test controls exactly which headers are on the wire. */
function rawPost(
  port: number,
  path: string,
  headers: string[],
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const head = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers, 'Connection: close'];
      socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    });
    let raw = '';
    socket.on('data', (chunk) => {
      raw += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      resolve({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('POST /v1/calls input that Postgres cannot store', () => {
  it('answers 400 naming the field for a NUL byte in the name, and keeps the name out of the log', async () => {
    const name = 'Grace\u0000Hopperstone';
    const err = await errorOf(await createCall({ siteKey: t.siteKey, name }));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed', field: 'name' });
    expect(t.logs.join('\n')).not.toContain('Hopperstone');
  });

  it('still creates a call for an ordinary name', async () => {
    const res = await createCall({ siteKey: t.siteKey, name: 'Grace Hopper' });
    expect(res.status).toBe(201);
  });
});

describe("POST /v1/calls with the widget's press time", () => {
  it("stores the press as the first step of the call's setup, ms before the request", async () => {
    const before = Date.now();
    const res = await createCall({ siteKey: t.siteKey, msSincePress: 250 });
    expect(res.status).toBe(201);
    const { callId } = (await res.json()) as { callId: string };
    const stored = await eventuallyRow(callId);
    const { pressedAt, receivedAt } = stored.values as { pressedAt: number; receivedAt: number };
    expect(receivedAt - pressedAt).toBe(250);
    expect(receivedAt).toBeGreaterThanOrEqual(before);
    expect(stored).toMatchObject({ turn: 0, kind: 'press' });
  });

  it('answers 400 naming the field for a press time that is not a whole number of ms', async () => {
    for (const msSincePress of [-1, 1.5, '250', 600_001]) {
      const err = await errorOf(await createCall({ siteKey: t.siteKey, msSincePress }));
      expect(err).toMatchObject({ status: 400, code: 'validation_failed', field: 'msSincePress' });
    }
  });
});

describe('POST /v1/calls as the widget sends it: JSON labelled text/plain, which needs no CORS preflight', () => {
  const plain = (body: string, type = 'text/plain;charset=UTF-8') =>
    t.request('/v1/calls', { method: 'POST', headers: { 'content-type': type, origin: TEST_ORIGIN }, body });

  it('mints the call as from application/json', async () => {
    const res = await plain(JSON.stringify({ siteKey: t.siteKey, msSincePress: 40 }));
    expect(res.status).toBe(201);
    const { callId } = (await res.json()) as { callId: string };
    const [row] = await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, callId));
    expect(row?.id).toBe(callId);
  });

  it('validates it as JSON: 400 naming the field, or the body when it is not JSON', async () => {
    const wrong = await errorOf(await plain(JSON.stringify({ siteKey: t.siteKey, msSincePress: -1 })));
    expect(wrong).toMatchObject({ status: 400, code: 'validation_failed', field: 'msSincePress' });
    const broken = await errorOf(await plain(`{"siteKey": "${t.siteKey}"`));
    expect(broken).toMatchObject({ status: 400, code: 'validation_failed', field: 'body' });
  });

  it('still refuses other types of body (415 naming content-type)', async () => {
    const html = await errorOf(await plain(JSON.stringify({ siteKey: t.siteKey }), 'text/html'));
    expect(html).toMatchObject({ status: 415, code: 'unsupported_media_type', field: 'content-type' });
  });
});

/** The press is stored beside the call, not before the answer: it may land just after it. */
async function eventuallyRow(callId: string) {
  for (let i = 0; i < 50; i++) {
    const [row] = await t.database.db.select().from(callMetrics).where(eq(callMetrics.callId, callId));
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('no press stored');
}

describe('POST /v1/calls/:id/end', () => {
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    ({ server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ server: s, port: info.port }),
      );
    }));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const startCall = async () =>
    (await (await createCall({ siteKey: t.siteKey })).json()) as { callId: string; visitorKey: string };

  it('ends the call when sent with no body and no content-type, as curl -X POST sends it', async () => {
    const call = await startCall();
    const res = await rawPost(port, `/v1/calls/${call.callId}/end`, [
      'User-Agent: curl/8.5.0',
      'Accept: */*',
      `authorization: Bearer ${call.visitorKey}`,
    ]);
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ callId: call.callId });
  });

  it('still refuses a chunked body that is not JSON', async () => {
    const call = await startCall();
    const res = await rawPost(
      port,
      `/v1/calls/${call.callId}/end`,
      [`authorization: Bearer ${call.visitorKey}`, 'content-type: text/plain', 'Transfer-Encoding: chunked'],
      '3\r\nbye\r\n0\r\n\r\n',
    );
    expect(res.status, res.body).toBe(415);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it('still refuses a body that is not JSON', async () => {
    const call = await startCall();
    const res = await fetch(`http://127.0.0.1:${port}/v1/calls/${call.callId}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${call.visitorKey}`, 'content-type': 'text/plain' },
      body: 'bye',
    });
    expect((await errorOf(res)).code).toBe('unsupported_media_type');
  });
});

describe('the visitor key', () => {
  const started = async () => {
    const res = await createCall({ siteKey: t.siteKey });
    return (await res.json()) as { callId: string; visitorKey: string };
  };
  const end = (callId: string, key: string) =>
    t.request(`/v1/calls/${callId}/end`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

  it('is not derived from the internal service key', async () => {
    const { createHmac } = await import('node:crypto');
    const call = await started();
    const fromServiceKey = createHmac('sha256', t.deps.config.internalServiceKey)
      .update(`visitor:${call.callId}`)
      .digest('base64url');
    expect(fromServiceKey).not.toBe(call.visitorKey);
    expect((await end(call.callId, fromServiceKey)).status).toBe(401);
  });

  it('stops working once the call has ended: 409 call_not_active naming the call', async () => {
    const call = await started();
    expect((await end(call.callId, call.visitorKey)).status).toBe(200);
    expect(await errorOf(await end(call.callId, call.visitorKey))).toMatchObject({
      status: 409,
      code: 'call_not_active',
      field: 'id',
    });
  });
});

describe("POST /v1/calls against the site's caps", () => {
  const rowsOfSite = async () => (await t.database.db.select({ id: voiceCalls.id }).from(voiceCalls)).length;
  const setCaps = (caps: { maxPendingCalls?: number; maxActiveCalls?: number }) =>
    t.database.db.update(sites).set(caps).where(eq(sites.publicKey, t.siteKey));
  // The per-address limit (10 a minute) is not what these tests are about.
  beforeEach(async () => {
    await t.database.db.delete(rateLimitHits);
  });

  it('refuses a call once the waiting calls reach the cap, writing no row, and takes one again below it', async () => {
    await t.database.db.update(voiceCalls).set({ status: 'completed' });
    await setCaps({ maxPendingCalls: 1 });
    try {
      expect((await createCall({ siteKey: t.siteKey })).status).toBe(201);
      const before = await rowsOfSite();
      const refused = await createCall({ siteKey: t.siteKey });
      expect(refused.headers.get('retry-after')).toBe('10');
      const error = await errorOf(refused);
      expect(error).toMatchObject({ status: 429, code: 'rate_limited', field: 'siteKey' });
      expect(error.message).toMatch(/waiting/);
      expect(await rowsOfSite()).toBe(before);
      await t.database.db.update(voiceCalls).set({ status: 'completed' });
      expect((await createCall({ siteKey: t.siteKey })).status).toBe(201);
    } finally {
      await setCaps({ maxPendingCalls: 20 });
    }
  });

  it('refuses a call while every line is busy (connected calls at the cap), writing no row', async () => {
    await t.database.db.update(voiceCalls).set({ status: 'completed' });
    const busy = await t.insertCall();
    await t.database.db.update(voiceCalls).set({ status: 'connected' }).where(eq(voiceCalls.id, busy));
    await setCaps({ maxActiveCalls: 1 });
    try {
      const before = await rowsOfSite();
      const refused = await errorOf(await createCall({ siteKey: t.siteKey }));
      expect(refused).toMatchObject({ status: 429, code: 'rate_limited', field: 'siteKey' });
      expect(refused.message).toMatch(/busy/);
      expect(await rowsOfSite()).toBe(before);
    } finally {
      await setCaps({ maxActiveCalls: 50 });
      await t.database.db.update(voiceCalls).set({ status: 'completed' }).where(eq(voiceCalls.id, busy));
    }
  });

  it("answers with a token for the call it made, in the call's own room", async () => {
    const res = await createCall({ siteKey: t.siteKey, name: 'Ada' });
    const call = (await res.json()) as { callId: string; roomName: string; token: string };
    expect(call.token).toBe('test-token');
    const [row] = await t.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, call.callId));
    expect(row).toMatchObject({ roomName: call.roomName, callerName: 'Ada', status: 'pending' });
  });
});

describe('POST /v1/calls when the room cannot be made', () => {
  it('answers 503 voice_unavailable and leaves no call row behind', async () => {
    const failing = await startRouteApp('calls_public_no_room', {
      livekit: {
        createCallRoom: async () => {
          throw new Error('livekit-server is down');
        },
      },
    });
    try {
      const res = await failing.request('/v1/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
        body: JSON.stringify({ siteKey: failing.siteKey }),
      });
      expect(await errorOf(res)).toMatchObject({ status: 503, code: 'voice_unavailable' });
      expect(await failing.database.db.select({ id: voiceCalls.id }).from(voiceCalls)).toEqual([]);
    } finally {
      await failing.close();
    }
  });
});

describe('the per-address limit on POST /v1/calls', () => {
  it('counts requests with an unknown site key too, so keys cannot be probed past it', async () => {
    const limited = await startRouteApp('calls_public_limit', { env: { CALL_RATE_LIMIT_PER_MINUTE: '2' } });
    const post = (siteKey: string) =>
      limited.request(
        '/v1/calls',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
          body: JSON.stringify({ siteKey }),
        },
        '198.51.100.7',
      );
    try {
      expect((await errorOf(await post('pk_unknown_key_one'))).code).toBe('site_not_found');
      expect((await errorOf(await post('pk_unknown_key_two'))).code).toBe('site_not_found');
      const refused = await post(limited.siteKey);
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.database.db.select({ id: voiceCalls.id }).from(voiceCalls)).toEqual([]);
      // Another address is counted on its own.
      const other = await limited.request(
        '/v1/calls',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
          body: JSON.stringify({ siteKey: limited.siteKey }),
        },
        '198.51.100.8',
      );
      expect(other.status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('holds across the turn of a minute, and opens again when Retry-After says', async () => {
    let clock = new Date('2026-11-25T10:00:59.900Z');
    const limited = await startRouteApp('calls_public_turn', {
      now: () => clock,
      env: { CALL_RATE_LIMIT_PER_MINUTE: '2' },
    });
    const post = () =>
      limited.request(
        '/v1/calls',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
          body: JSON.stringify({ siteKey: limited.siteKey }),
        },
        '198.51.100.9',
      );
    try {
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(201);
      // 200 ms later, in the next minute: the two calls were not a minute ago.
      clock = new Date('2026-11-25T10:01:00.100Z');
      const refused = await post();
      expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'rate_limited' });
      // Until a minute after the two calls, when the refused attempt alone is in the last minute.
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBe(60);
      clock = new Date(clock.getTime() + retryAfter * 1000);
      expect((await post()).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
