import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { addApiKey, addStaff, cookie, defaultSiteId, OWN_ORIGIN } from '../testing/staff-fixtures.ts';
import type { Guard } from './guards.ts';
import { ROUTES } from './index.ts';

/**
 * Every route in routes/index.ts × every method × every credential it must refuse: the answer is
 * 401, 403, 404 or 405. Credentials that need no lookup (none, a random bearer, another
 * audience's key) are refused before the database is touched.
 */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];
const REFUSALS = [401, 403, 404, 405];
const CREDENTIALS = [
  'none',
  'wrong',
  'wrongApiKey',
  'wrongCookie',
  'admin',
  'service',
  'visitor',
  'readKey',
  'revokedKey',
  'agent',
  'adminSession',
  'disabledSession',
  'revokedSession',
] as const;
type Credential = (typeof CREDENTIALS)[number];
/** Refused before any query: the guard needs no lookup to know. */
const NO_LOOKUP: Credential[] = ['none', 'wrong', 'service', 'visitor'];

const READS = new Set<Method>(['GET', 'HEAD', 'OPTIONS']);
/** Which credential opens which guard; a LiveKit signature is none of them. */
const OPENS: Record<Guard['name'], (cred: Credential, method: Method) => boolean> = {
  publicRoute: () => true,
  staffAny: (cred, method) =>
    cred === 'admin' ||
    cred === 'agent' ||
    cred === 'adminSession' ||
    (cred === 'readKey' && READS.has(method)),
  staffAdmin: (cred) => cred === 'admin' || cred === 'adminSession',
  staffSession: (cred) => cred === 'agent' || cred === 'adminSession',
  serviceOnly: (cred) => cred === 'service',
  visitorOwnsCall: (cred) => cred === 'visitor',
  // A call's end: its visitor, or a staff session (whether they hold the call is the handler's question).
  visitorOrStaffSession: (cred) => cred === 'visitor' || cred === 'agent' || cred === 'adminSession',
  livekitSignature: () => false,
  signedLink: () => false,
};

let t: RouteApp;
let call: { callId: string; visitorKey: string };
let headersOf: Record<Credential, Record<string, string>>;
let ids: { staff: string; apiKey: string };
beforeAll(async () => {
  t = await startRouteApp('access_walk');
  call = await t.mintCall();
  const db = t.database.db;
  const siteId = await defaultSiteId(db);
  const agent = await addStaff(db, { email: 'agent@walk.test', role: 'agent', siteIds: [siteId] });
  const admin = await addStaff(db, { email: 'admin@walk.test', role: 'admin' });
  const disabled = await addStaff(db, { email: 'gone@walk.test', role: 'admin', state: 'disabled' });
  const revoked = await addStaff(db, { email: 'out@walk.test', role: 'admin', state: 'revoked' });
  const readKey = await addApiKey(db, ['calls:read']);
  const revokedKey = await addApiKey(db, ['admin']);
  await t.request(`/v1/api-keys/${revokedKey.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` },
  });
  ids = { staff: agent.id, apiKey: readKey.id };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  // Sessions come from the API's own origin, so the guard, not the origin check, answers.
  const session = (token: string) => ({ ...cookie(token), origin: OWN_ORIGIN });
  headersOf = {
    none: {},
    wrong: bearer('x'.repeat(40)),
    wrongApiKey: bearer(`vdk_${'0'.repeat(12)}_${'A'.repeat(43)}`),
    wrongCookie: session('A'.repeat(43)),
    admin: bearer(t.deps.config.adminApiKey),
    service: bearer(t.deps.config.internalServiceKey),
    visitor: bearer(call.visitorKey),
    readKey: bearer(readKey.secret),
    revokedKey: bearer(revokedKey.secret),
    agent: session(agent.token),
    adminSession: session(admin.token),
    disabledSession: session(disabled.token),
    revokedSession: session(revoked.token),
  };
});
afterAll(async () => {
  await t?.close();
});

/** Real rows, so a route that forgot its guard would find something and answer 2xx. */
const concrete = (path: string) =>
  path
    .replace(/:file\{[^}]*\}/, 'widget.js')
    .replace(/^\/v1\/staff\/:id/, `/v1/staff/${ids.staff}`)
    .replace(/^\/v1\/api-keys\/:id/, `/v1/api-keys/${ids.apiKey}`)
    .replace(':id', call.callId)
    .replace(':key', t.siteKey);

const hasBody = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH';

describe('every route refuses every method and credential it does not accept', () => {
  it('lists each route once, with its audience and guard', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of ROUTES) {
      const expected = {
        public: ['publicRoute'],
        visitor: ['visitorOwnsCall', 'visitorOrStaffSession'],
        staff: ['staffAny', 'staffSession'],
        admin: ['staffAdmin'],
        internal: ['serviceOnly'],
        webhook: ['livekitSignature'],
        signed: ['signedLink'],
      }[r.audience];
      expect(expected, `${r.method} ${r.path}`).toContain(r.guard);
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
          if (served.some((r) => OPENS[r.guard](cred, method))) continue;
          t.queries.count = 0;
          const res = await t.request(path, {
            method,
            headers: {
              ...headersOf[cred],
              ...(hasBody(method) ? { 'content-type': 'application/json' } : {}),
            },
            ...(hasBody(method) ? { body: '{}' } : {}),
          });
          const what = `${method} ${path} with ${cred} credential → ${res.status}`;
          // /v1/calls/stats under another method reaches that method's /v1/calls/:id route, whose
          // guard let the credential through and whose validator refuses "stats" as a call id.
          const notAnId =
            res.status === 400 &&
            ((await res.clone().json()) as { error: { field?: string } }).error.field === 'id';
          if (notAnId) {
            checked++;
            continue;
          }
          expect(REFUSALS, what).toContain(res.status);
          if (NO_LOOKUP.includes(cred)) expect(t.queries.count, `${what} reached the database`).toBe(0);
          const guard = served[0]?.guard;
          if (guard?.startsWith('staff')) {
            // Signed out (401) or signed in but not allowed (403): the dashboard tells them apart.
            const forbidden = guard !== 'staffSession' && (cred === 'agent' || cred === 'readKey');
            expect(res.status, what).toBe(forbidden ? 403 : 401);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(600);
  });

  it('refuses every state-changing request that carries the session cookie without our Origin', async () => {
    const writes = ROUTES.filter((r) => !READS.has(r.method));
    expect(writes.length).toBeGreaterThan(10);
    for (const r of writes) {
      for (const origin of [undefined, 'https://evil.example']) {
        t.queries.count = 0;
        const res = await t.request(concrete(r.path), {
          method: r.method,
          headers: {
            ...cookie(headersOf.adminSession.cookie?.split('=')[1] ?? ''),
            ...(origin ? { origin } : {}),
            'content-type': 'application/json',
          },
          body: '{}',
        });
        const what = `${r.method} ${r.path} with the cookie and origin ${origin ?? '(none)'}`;
        expect(res.status, what).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe('origin_refused');
        expect(t.queries.count, `${what} reached the database`).toBe(0);
      }
    }
  });
});
