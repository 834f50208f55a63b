import { voiceCalls } from '@voicedesk/db';
import { count } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createCallRequest, startApiHarness, TEST_ORIGIN } from '../support/api-harness.ts';

let h: ApiHarness;
const RATE_LIMIT = 6;

beforeAll(async () => {
  h = await startApiHarness('public_routes', { CALL_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) });
});
afterAll(async () => {
  await h?.stop();
});

async function callRows(): Promise<number> {
  const [row] = await h.api.deps.database.db.select({ n: count() }).from(voiceCalls);
  return row?.n ?? 0;
}

async function expectError(res: Response, status: number, code: string, field?: string) {
  const body = (await res.json()) as {
    error: { code: string; field?: string; message: string; requestId: string };
  };
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  if (field) expect(body.error.field).toBe(field);
  expect(body.error.message.length).toBeGreaterThan(3);
  expect(body.error.requestId).toMatch(/\S+/);
  return body;
}

describe('POST /v1/calls', () => {
  it('creates a pending call, a room and a dispatch, and a token scoped to that room and the microphone', async () => {
    const before = await callRows();
    const res = await h.request(
      '/v1/calls',
      createCallRequest(h.siteKey, { body: { siteKey: h.siteKey, name: 'Ada' } }),
    );
    expect(res.status).toBe(201);
    const call = (await res.json()) as Record<string, string>;
    expect(call.roomName).toBe(`call-${call.callId}`);
    expect(call.livekitUrl).toBe(h.livekit.url);
    expect(await callRows()).toBe(before + 1);

    const claims = decodeJwt(call.token as string) as Record<string, unknown> & {
      video: Record<string, unknown>;
      exp: number;
      nbf: number;
    };
    expect(claims.video).toMatchObject({
      room: call.roomName,
      roomJoin: true,
      canPublish: true,
      canPublishSources: ['microphone'],
      canSubscribe: true,
      canPublishData: false,
    });
    expect(claims.video.roomAdmin).toBeFalsy();
    expect(claims.video.roomCreate).toBeFalsy();
    expect(claims.video.agent).toBeFalsy();
    expect(claims.exp - claims.nbf).toBeLessThanOrEqual(600);
    expect(Date.parse(call.expiresAt as string) - Date.now()).toBeLessThanOrEqual(600_000);

    const http = h.livekit.url.replace('ws', 'http');
    const rooms = await new RoomServiceClient(http, h.livekit.apiKey, h.livekit.apiSecret).listRooms([
      call.roomName as string,
    ]);
    expect(rooms[0]?.maxParticipants).toBe(4);
    const dispatches = await new AgentDispatchClient(
      http,
      h.livekit.apiKey,
      h.livekit.apiSecret,
    ).listDispatch(call.roomName as string);
    // Exactly one dispatch, to our named agent: no automatic dispatch to unnamed workers.
    expect(dispatches.map((d) => d.agentName)).toEqual([h.config.agentName]);
    expect(JSON.parse(dispatches[0]?.metadata ?? '{}')).toEqual({ callId: call.callId });

    const row = await h.admin(`/v1/calls/${call.callId}`);
    expect(await row.json()).toMatchObject({ status: 'pending', callerName: 'Ada' });
  });

  const bad: Array<[string, RequestInit | (() => RequestInit), number, string, string]> = [
    ['missing siteKey', () => createCallRequest('', { body: {} }), 400, 'validation_failed', 'siteKey'],
    [
      'malformed siteKey',
      () => createCallRequest('x', { body: { siteKey: 'nope' } }),
      400,
      'validation_failed',
      'siteKey',
    ],
    [
      'siteKey of the wrong type',
      () => createCallRequest('x', { body: { siteKey: 42 } }),
      400,
      'validation_failed',
      'siteKey',
    ],
    [
      'overlong name',
      () => createCallRequest(h.siteKey, { body: { siteKey: h.siteKey, name: 'x'.repeat(81) } }),
      400,
      'validation_failed',
      'name',
    ],
    [
      'unknown field',
      () => createCallRequest(h.siteKey, { body: { siteKey: h.siteKey, admin: true } }),
      400,
      'validation_failed',
      'body',
    ],
    [
      'body that is not JSON',
      () => ({ ...createCallRequest(h.siteKey), body: '{"siteKey":' }),
      400,
      'validation_failed',
      'body',
    ],
    [
      // text/plain is taken as JSON here (the widget's preflight-free request); a form is not.
      'wrong content type',
      () => ({
        ...createCallRequest(h.siteKey),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_ORIGIN },
      }),
      415,
      'unsupported_media_type',
      'content-type',
    ],
    [
      'oversized body',
      () => createCallRequest(h.siteKey, { body: { siteKey: h.siteKey, name: 'x'.repeat(40_000) } }),
      413,
      'payload_too_large',
      'body',
    ],
    [
      'unknown site key',
      () => createCallRequest('pk_unknown_000000', { body: { siteKey: 'pk_unknown_000000' } }),
      404,
      'site_not_found',
      'siteKey',
    ],
    [
      'disallowed origin',
      () => createCallRequest(h.siteKey, { origin: 'https://evil.example' }),
      403,
      'origin_not_allowed',
      'origin',
    ],
  ];
  for (const [name, init, status, code, field] of bad) {
    it(`rejects ${name} with ${status} ${code} naming ${field}, writing nothing`, async () => {
      const before = await callRows();
      const res = await h.request('/v1/calls', typeof init === 'function' ? init() : init);
      await expectError(res, status, code, field);
      expect(await callRows()).toBe(before);
    });
  }

  it('rejects a request without an Origin header', async () => {
    const init = createCallRequest(h.siteKey);
    const res = await h.request('/v1/calls', { ...init, headers: { 'content-type': 'application/json' } });
    await expectError(res, 403, 'origin_not_allowed', 'origin');
  });
});

describe('GET /v1/sites/:key/config', () => {
  it('returns what the widget needs and nothing private', async () => {
    const res = await h.request(`/v1/sites/${h.siteKey}/config`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ open: true, name: 'Demo site', theme: { buttonLabel: 'Talk to support' } });
    expect(body).not.toHaveProperty('instructions');
    expect(body).not.toHaveProperty('allowedOrigins');
  });
  it('says where calls connect, so the widget can warm the connection before the press', async () => {
    const config = (await (await h.request(`/v1/sites/${h.siteKey}/config`)).json()) as {
      livekitUrl?: string;
    };
    // Minted calls carry the same public URL (this file's rate limit leaves no call to spare).
    expect(config.livekitUrl).toBe(h.api.deps.livekit.publicUrl);
  });
  it('404s an unknown key and 400s a malformed one', async () => {
    await expectError(await h.request('/v1/sites/pk_missing_00000/config'), 404, 'site_not_found', 'key');
    await expectError(await h.request('/v1/sites/bad/config'), 400, 'validation_failed', 'key');
  });
});

describe('POST /v1/calls/:id/end', () => {
  it('lets only the visitor holding the call key hang up', async () => {
    const created = (await (await h.request('/v1/calls', createCallRequest(h.siteKey))).json()) as Record<
      string,
      string
    >;
    if (!created.callId) throw new Error(`call not created: ${JSON.stringify(created)}`);
    const end = (auth?: string) =>
      h.request(`/v1/calls/${created.callId}/end`, {
        method: 'POST',
        headers: auth ? { authorization: `Bearer ${auth}` } : {},
      });
    await expectError(await end(), 401, 'unauthorized', 'authorization');
    await expectError(await end('forged-key'), 401, 'unauthorized', 'authorization');
    // Credentials first (the route also takes a staff session): a stranger learns nothing about ids.
    await expectError(
      await h.request('/v1/calls/not-a-uuid/end', { method: 'POST' }),
      401,
      'unauthorized',
      'authorization',
    );
    const ok = await end(created.visitorKey);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ callId: created.callId, status: 'missed' });
    const detail = (await (await h.admin(`/v1/calls/${created.callId}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ status: 'missed', endReason: 'visitor_hung_up' });
  });
});

// Last: once the limit trips, this address cannot create calls until its attempts leave the last minute.
describe('rate limit', () => {
  it('answers 429 with Retry-After once an address exceeds the per-minute limit', async () => {
    // Every attempt above counted: keep calling until the limit trips, then check it holds.
    let res: Response | undefined;
    for (let i = 0; i < 2 * RATE_LIMIT + 2; i++) {
      res = await h.request('/v1/calls', createCallRequest(h.siteKey));
      if (res.status === 429) break;
      await res.body?.cancel();
    }
    expect(res?.status).toBe(429);
    const before = await callRows();
    const again = await h.request('/v1/calls', createCallRequest(h.siteKey));
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(again, 429, 'rate_limited');
    expect(await callRows()).toBe(before);
  });
});
