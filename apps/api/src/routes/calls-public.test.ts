import { connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
