import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp, TEST_ORIGIN } from '../testing/route-app.ts';

const FOREIGN = 'https://evil.example.test';

let t: RouteApp;
let call: { callId: string; visitorKey: string };
beforeAll(async () => {
  t = await startRouteApp('access_cors');
  call = await t.mintCall();
});
afterAll(async () => {
  await t?.close();
});

function headerList(res: Response): [string, string][] {
  const all: [string, string][] = [];
  res.headers.forEach((value, key) => {
    all.push([key, value]);
  });
  return all;
}
const corsHeaders = (res: Response) =>
  Object.fromEntries(headerList(res).filter(([k]) => k.startsWith('access-control-')));

const preflight = (path: string, origin: string, method = 'POST') =>
  t.request(path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('widget routes answer CORS only for the site’s allowed origins', () => {
  const widgetRoutes = () => [
    { name: 'POST /v1/calls', path: '/v1/calls', method: 'POST' },
    { name: 'POST /v1/calls/:id/end', path: `/v1/calls/${call.callId}/end`, method: 'POST' },
    { name: 'GET /v1/sites/:key/config', path: `/v1/sites/${t.siteKey}/config`, method: 'GET' },
  ];

  it('preflight from an allowed origin: the origin, the method, the headers the widget sends', async () => {
    for (const r of widgetRoutes()) {
      const res = await preflight(r.path, TEST_ORIGIN, r.method);
      expect(res.status, r.name).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), r.name).toBe(TEST_ORIGIN);
      expect(res.headers.get('access-control-allow-methods'), r.name).toContain(r.method);
      expect(res.headers.get('access-control-allow-headers'), r.name).toMatch(/authorization/i);
      expect(res.headers.get('vary'), r.name).toMatch(/origin/i);
    }
  });

  it('preflight from a foreign origin: let through with the wildcard, its own value never echoed', async () => {
    for (const r of widgetRoutes()) {
      const res = await preflight(r.path, FOREIGN, r.method);
      expect(res.status, r.name).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), r.name).toBe('*');
      expect(res.headers.get('access-control-allow-credentials'), r.name).toBeNull();
      expect(JSON.stringify(headerList(res)), r.name).not.toContain('evil');
    }
  });

  it('create call: the allowed origin gets CORS; a foreign one a readable 403, never its origin', async () => {
    const send = (origin: string) =>
      t.request('/v1/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ siteKey: t.siteKey }),
      });
    const ok = await send(TEST_ORIGIN);
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    const refused = await send(FOREIGN);
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual({ 'access-control-allow-origin': '*' });
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
  });

  it('site config: readable cross-origin only from an allowed origin, cached per origin', async () => {
    const path = `/v1/sites/${t.siteKey}/config`;
    const ok = await t.request(path, { headers: { origin: TEST_ORIGIN } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect(ok.headers.get('vary')).toMatch(/origin/i);
    const foreign = await t.request(path, { headers: { origin: FOREIGN } });
    expect(corsHeaders(foreign)).toEqual({});
    expect(foreign.headers.get('vary')).toMatch(/origin/i);
  });

  it('hang-up: CORS for the allowed origin of the call’s site, none for a foreign one', async () => {
    const end = (origin: string) =>
      t.request(`/v1/calls/${call.callId}/end`, {
        method: 'POST',
        headers: { origin, authorization: `Bearer ${call.visitorKey}` },
      });
    const foreign = await end(FOREIGN);
    expect(foreign.status).toBe(200);
    // The hang-up happened (the visitor key is the credential), but a foreign page cannot read it.
    expect(corsHeaders(foreign)).toEqual({});
    const ok = await end(TEST_ORIGIN);
    expect(ok.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
  });
});

describe('admin and internal routes send no CORS headers to any origin', () => {
  it('admin list and detail, with a valid key, from the site’s own origin', async () => {
    for (const path of ['/v1/calls', `/v1/calls/${call.callId}`]) {
      const res = await t.request(path, {
        headers: { origin: TEST_ORIGIN, authorization: `Bearer ${t.deps.config.adminApiKey}` },
      });
      expect(res.status, path).toBe(200);
      expect(corsHeaders(res), path).toEqual({});
    }
  });

  it('no preflight succeeds for an admin or internal request', async () => {
    for (const [path, method] of [
      ['/v1/calls', 'GET'],
      [`/v1/calls/${call.callId}`, 'GET'],
      [`/internal/calls/${call.callId}/segments`, 'POST'],
      [`/internal/calls/${call.callId}/assistant`, 'POST'],
    ] as const) {
      for (const origin of [TEST_ORIGIN, FOREIGN]) {
        const res = await preflight(path, origin, method);
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(corsHeaders(res), `${method} ${path}`).toEqual({});
      }
    }
  });

  it('internal, with the service key, from the site’s own origin', async () => {
    const res = await t.request(`/internal/calls/${call.callId}/assistant`, {
      method: 'POST',
      headers: { origin: TEST_ORIGIN, authorization: `Bearer ${t.deps.config.internalServiceKey}` },
    });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });
});
