import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import type { Guard } from './guards.ts';
import { ROUTES } from './index.ts';

/**
 * Every route in routes/index.ts × every method × every credential it must refuse: the answer is
 * 401, 403, 404 or 405, and the database is never touched on the way to it.
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const REFUSALS = [401, 403, 404, 405];
type Credential = 'none' | 'wrong' | 'admin' | 'service' | 'visitor';
const CREDENTIALS: Credential[] = ['none', 'wrong', 'admin', 'service', 'visitor'];

/** Which credential opens which guard; a LiveKit signature is none of them. */
const OPENS: Record<Guard['name'], (cred: Credential) => boolean> = {
  publicRoute: () => true,
  adminOnly: (cred) => cred === 'admin',
  serviceOnly: (cred) => cred === 'service',
  visitorOwnsCall: (cred) => cred === 'visitor',
  livekitSignature: () => false,
  signedLink: () => false,
};

let t: RouteApp;
let call: { callId: string; visitorKey: string };
beforeAll(async () => {
  t = await startRouteApp('access_walk');
  call = await t.mintCall();
});
afterAll(async () => {
  await t?.close();
});

/** A real call and site, so a route that forgot its guard would find something and answer 2xx. */
const concrete = (path: string) =>
  path
    .replace(/:file\{[^}]*\}/, 'widget.js')
    .replace(':id', call.callId)
    .replace(':key', t.siteKey);

function authorization(cred: Credential): Record<string, string> {
  const token = {
    none: undefined,
    wrong: 'x'.repeat(40),
    admin: t.deps.config.adminApiKey,
    service: t.deps.config.internalServiceKey,
    visitor: call.visitorKey,
  }[cred];
  return token ? { authorization: `Bearer ${token}` } : {};
}

describe('every route refuses every method and credential it does not accept', () => {
  it('lists each route once, with its audience and guard', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of ROUTES) {
      const expected = {
        public: 'publicRoute',
        visitor: 'visitorOwnsCall',
        admin: 'adminOnly',
        internal: 'serviceOnly',
        webhook: 'livekitSignature',
        signed: 'signedLink',
      }[r.audience];
      expect(r.guard, `${r.method} ${r.path}`).toBe(expected);
    }
  });

  it('walks routes × methods × credentials', async () => {
    const paths = [...new Set(ROUTES.map((r) => concrete(r.path)))];
    let checked = 0;
    for (const path of paths) {
      const here = ROUTES.filter((r) => concrete(r.path) === path);
      for (const method of METHODS) {
        const served = here.filter((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'));
        for (const cred of CREDENTIALS) {
          if (served.some((r) => OPENS[r.guard](cred))) continue;
          const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
          t.queries.count = 0;
          const res = await t.request(path, {
            method,
            headers: { ...authorization(cred), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
            ...(hasBody ? { body: '{}' } : {}),
          });
          const what = `${method} ${path} with ${cred} credential → ${res.status}`;
          // /v1/calls/stats under another method reaches that method's /v1/calls/:id route, whose
          // guard let the credential through and whose validator refuses "stats" as a call id.
          const notAnId =
            res.status === 400 && ((await res.json()) as { error: { field?: string } }).error.field === 'id';
          if (!notAnId) expect(REFUSALS, what).toContain(res.status);
          expect(t.queries.count, `${what} reached the database`).toBe(0);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
