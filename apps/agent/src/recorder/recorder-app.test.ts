import type { RecorderStart } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import type { StartResult } from './recorder.ts';
import { createRecorderApp } from './recorder-app.ts';

const KEY = 'service-key-0123456789abcdef';
const START: RecorderStart = {
  callId: '0190a3c2-7b1e-7c3d-8e4f-123456789abc',
  roomName: 'call-0190a3c2',
  livekitUrl: 'ws://127.0.0.1:7880',
  token: 'recorder-token',
};

/** The app over a stand-in recorder that remembers its calls as the real one does. */
function app(options: { closing?: boolean } = {}) {
  const started: RecorderStart[] = [];
  const recorder = {
    start(request: RecorderStart): StartResult {
      if (options.closing) return 'closing';
      if (started.some((s) => s.callId === request.callId)) return 'already_recording';
      started.push(request);
      return 'started';
    },
    get recordings() {
      return started.length;
    },
  };
  return { app: createRecorderApp({ serviceKey: KEY, recorder, logger: silentLogger }), started };
}

function post(body: unknown, authorization: string | null = `Bearer ${KEY}`) {
  return new Request('http://recorder/recordings', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === null ? {} : { authorization }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /recordings', () => {
  it('starts a recording: 202', async () => {
    const t = app();
    const res = await t.app.request(post(START));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ callId: START.callId, status: 'started' });
    expect(t.started).toEqual([START]);
  });

  it('is idempotent per call: a second request is 202 and changes nothing', async () => {
    const t = app();
    await t.app.request(post(START));
    const res = await t.app.request(post({ ...START, token: 'another-token' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ callId: START.callId, status: 'already_recording' });
    expect(t.started).toEqual([START]);
  });

  it.each([
    ['no key', null],
    ['a wrong key', `Bearer ${KEY}x`],
    ['another scheme', `Basic ${KEY}`],
  ])('refuses %s: 401 naming the header, and records nothing', async (_, authorization) => {
    const t = app();
    const res = await t.app.request(post(START, authorization));
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; field: string; requestId: string } };
    expect(body.error).toMatchObject({ code: 'unauthorized', field: 'authorization' });
    expect(body.error.requestId).toBeTruthy();
    expect(t.started).toEqual([]);
  });

  it.each([
    ['a malformed call id', { ...START, callId: 'nope' }, 'callId'],
    ['no token', { ...START, token: undefined }, 'token'],
    ['a body that is not JSON', '{', 'body'],
  ])('refuses %s: 400 naming the field', async (_, body, field) => {
    const t = app();
    const res = await t.app.request(post(body));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'validation_failed',
      field,
    });
    expect(t.started).toEqual([]);
  });

  it('refuses a body over 16 KB: 413', async () => {
    const res = await app().app.request(post({ ...START, token: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
  });

  it('answers 503 with Retry-After while shutting down', async () => {
    const res = await app({ closing: true }).app.request(post(START));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });
});

describe('GET /healthz', () => {
  it('answers without a key, with the number of recordings', async () => {
    const t = app();
    await t.app.request(post(START));
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', recordings: 1 });
  });
});
