import { randomBytes } from 'node:crypto';
import { Room, WebhookEvent } from '@livekit/protocol';
import { loadApiConfig } from '@voicedesk/config';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { signWebhook } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { type RunningApi, startApiServer } from './server.ts';
import { POSTGRES_SERVER_URL } from './testing/route-app.ts';

const DB = 'voicedesk_access_listeners_test';
let api: RunningApi;
beforeAll(async () => {
  const url = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  const config = loadApiConfig({
    PORT: '0',
    INTERNAL_PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    // Nothing listens here: these tests never reach LiveKit.
    LIVEKIT_URL: 'ws://127.0.0.1:9',
    LIVEKIT_API_KEY: 'devkey',
    LIVEKIT_API_SECRET: 'secret-secret',
    ADMIN_API_KEY: randomBytes(16).toString('hex'),
    INTERNAL_SERVICE_KEY: randomBytes(16).toString('hex'),
    VISITOR_KEY_SECRET: randomBytes(16).toString('hex'),
    SWEEP_INTERVAL_MS: '600000',
  });
  api = await startApiServer(config, createLogger('silent'));
});
afterAll(async () => {
  await api?.close();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB);
});

const CALL = '01900000-0000-7000-8000-000000000000';
const post = (base: string, path: string, key?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ reason: 'assistant_ended' }),
  });

describe('with INTERNAL_PORT set', () => {
  it('the public port answers 404 for /internal/*, even with the service key', async () => {
    const res = await post(api.url, `/internal/calls/${CALL}/end`, api.deps.config.internalServiceKey);
    expect(res.status).toBe(404);
    // No such route here, rather than a route that looked for the call.
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('the internal listener serves /internal/* (and still asks for the key)', async () => {
    const base = api.internalUrl as string;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await post(base, `/internal/calls/${CALL}/end`)).status).toBe(401);
    const res = await post(base, `/internal/calls/${CALL}/end`, api.deps.config.internalServiceKey);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('call_not_found');
  });

  it('the internal listener serves health, and nothing public', async () => {
    const base = api.internalUrl as string;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    for (const path of [
      '/v1/calls',
      `/v1/calls/${CALL}`,
      '/v1/openapi.json',
      '/docs',
      '/widget.js',
      '/demo',
    ]) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
  });

  it("the internal listener takes LiveKit's webhooks too, signed as on the public port", async () => {
    const key = { apiKey: 'devkey', apiSecret: 'secret-secret' };
    const deliver = async (base: string, id: string, signed = true) => {
      const body = new WebhookEvent({
        id,
        event: 'room_started',
        room: new Room({ sid: `RM_${id}`, name: `room-${id}` }),
        createdAt: BigInt(Math.floor(Date.now() / 1000)),
      }).toJsonString();
      return fetch(`${base}/v1/livekit/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/webhook+json',
          ...(signed ? { authorization: await signWebhook(body, key) } : {}),
        },
        body,
      });
    };
    const internal = api.internalUrl as string;
    expect(await (await deliver(internal, 'EV_internal')).json()).toEqual({ ok: true, duplicate: false });
    expect(await (await deliver(internal, 'EV_internal')).json()).toEqual({ ok: true, duplicate: true });
    expect((await deliver(internal, 'EV_unsigned', false)).status).toBe(401);
    expect(await (await deliver(api.url, 'EV_public')).json()).toEqual({ ok: true, duplicate: false });
  });
});
