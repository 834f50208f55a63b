import { auditLog } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';
import {
  addSiteWithCall,
  addStaff,
  cookie,
  defaultSiteId,
  OWN_ORIGIN,
  type StaffFixture,
  sessionCookieOf,
} from '../testing/staff-fixtures.ts';

let t: RouteApp;
let admin: StaffFixture;
let agent: StaffFixture;
let homeSite: string;
let homeCall: string;
let other: { siteId: string; callId: string };
beforeAll(async () => {
  t = await startRouteApp('staff_admin');
  const db = t.database.db;
  homeSite = await defaultSiteId(db);
  homeCall = await t.insertCall();
  other = await addSiteWithCall(db, 'pk_other_site_0001');
  admin = await addStaff(db, { email: 'admin@example.com', role: 'admin' });
  agent = await addStaff(db, { email: 'agent@example.com', role: 'agent', siteIds: [homeSite] });
});
afterAll(async () => {
  await t?.close();
});

/** As a browser on the dashboard would: the cookie, and our Origin on writes. */
function as(who: StaffFixture, path: string, init: { method?: string; body?: unknown } = {}) {
  return t.request(path, {
    method: init.method ?? 'GET',
    headers: {
      ...cookie(who.token),
      origin: OWN_ORIGIN,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

describe('an agent sees only the calls of their sites', () => {
  it('lists their sites only, stats included', async () => {
    const res = await as(agent, '/v1/calls?stats=1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { id: string; siteId: string }[]; stats: { total: number } };
    expect(body.items.map((c) => c.id)).toContain(homeCall);
    expect(body.items.every((c) => c.siteId === homeSite)).toBe(true);
    expect(body.stats.total).toBe(body.items.length);
    // Asking for the other site by filter does not widen it.
    const filtered = (await (await as(agent, `/v1/calls?siteId=${other.siteId}`)).json()) as {
      items: unknown[];
    };
    expect(filtered.items).toEqual([]);
  });

  it.each(['', '/recording', '/export'])(
    'answers GET /v1/calls/<other site>%s with 403 forbidden',
    async (tail) => {
      expect(await errorOf(await as(agent, `/v1/calls/${other.callId}${tail}`))).toMatchObject({
        status: 403,
        code: 'forbidden',
      });
    },
  );

  it("reads a call of their own site, and the read of its transcript is audited with the agent's id", async () => {
    const res = await as(agent, `/v1/calls/${homeCall}`);
    expect(res.status).toBe(200);
    const rows = await t.database.db.select().from(auditLog).where(eq(auditLog.callId, homeCall));
    expect(rows).toContainEqual(
      expect.objectContaining({ actor: `staff:${agent.id}`, action: 'transcript.read', callId: homeCall }),
    );
  });

  it('an admin sees every site', async () => {
    const body = (await (await as(admin, '/v1/calls')).json()) as { items: { id: string }[] };
    expect(body.items.map((c) => c.id)).toEqual(expect.arrayContaining([homeCall, other.callId]));
    expect((await as(admin, `/v1/calls/${other.callId}`)).status).toBe(200);
  });
});

describe('role refusals', () => {
  it.each([
    ['GET', '/v1/staff'],
    ['POST', '/v1/staff'],
    ['GET', '/v1/api-keys'],
    ['POST', '/v1/api-keys'],
    ['DELETE', '/v1/calls/:home'],
  ])('an agent gets 403 forbidden on %s %s', async (method, path) => {
    const body =
      method === 'POST' ? { name: 'x', email: 'x@example.com', role: 'admin', scopes: ['admin'] } : undefined;
    const res = await as(agent, path.replace(':home', homeCall), { method, body });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('an agent cannot promote themselves', async () => {
    const res = await as(agent, `/v1/staff/${agent.id}`, { method: 'PATCH', body: { role: 'admin' } });
    expect(res.status).toBe(403);
    const me = (await (await as(agent, '/v1/auth/session')).json()) as { user: { role: string } };
    expect(me.user.role).toBe('agent');
  });
});

describe('staff management', () => {
  it('invites a staff member, who sets a password through the link and is signed in', async () => {
    const res = await as(admin, '/v1/staff', {
      method: 'POST',
      body: { email: 'New.Agent@Example.com', name: 'New Agent', role: 'agent', siteIds: [homeSite] },
    });
    expect(res.status).toBe(201);
    const { user, inviteUrl } = (await res.json()) as {
      user: { id: string; email: string };
      inviteUrl: string;
    };
    expect(user.email).toBe('new.agent@example.com');
    expect(inviteUrl).toMatch(/^http:\/\/localhost\/app\/invite\/[A-Za-z0-9_-]{43}$/);
    const token = inviteUrl.split('/').at(-1) as string;

    const accept = (password: string) =>
      t.request('/v1/auth/invite/accept', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: OWN_ORIGIN },
        body: JSON.stringify({ token, password }),
      });
    const accepted = await accept('my own good password');
    expect(accepted.status).toBe(200);
    const session = sessionCookieOf(accepted) as string;
    const me = (await (await t.request('/v1/auth/session', { headers: cookie(session) })).json()) as {
      user: { id: string; siteIds: string[] };
    };
    expect(me.user).toMatchObject({ id: user.id, siteIds: [homeSite] });
    // The link works once.
    expect(await errorOf(await accept('another good password'))).toMatchObject({
      status: 403,
      code: 'invalid_code',
    });

    const listed = (await (await as(admin, '/v1/staff')).json()) as {
      items: { email: string; lastSeenAt: string | null }[];
    };
    expect(listed.items.find((u) => u.email === 'new.agent@example.com')?.lastSeenAt).not.toBeNull();
  });

  it('refuses a second account with the same email, whatever its case (409)', async () => {
    const res = await as(admin, '/v1/staff', {
      method: 'POST',
      body: { email: 'AGENT@example.com', name: 'Dup', role: 'agent', siteIds: [] },
    });
    expect(await errorOf(res)).toMatchObject({ status: 409, field: 'email' });
  });

  it('refuses a site that does not exist (400 naming siteIds)', async () => {
    const res = await as(admin, '/v1/staff', {
      method: 'POST',
      body: {
        email: 'x2@example.com',
        name: 'X',
        role: 'agent',
        siteIds: ['01900000-0000-7000-8000-000000000000'],
      },
    });
    expect(await errorOf(res)).toMatchObject({ status: 400, field: 'siteIds' });
  });

  it('moves an agent to another site: their view follows at once', async () => {
    const mover = await addStaff(t.database.db, {
      email: 'mover@example.com',
      role: 'agent',
      siteIds: [homeSite],
    });
    expect((await as(mover, `/v1/calls/${other.callId}`)).status).toBe(403);
    const res = await as(admin, `/v1/staff/${mover.id}`, {
      method: 'PATCH',
      body: { siteIds: [other.siteId] },
    });
    expect(((await res.json()) as { user: { siteIds: string[] } }).user.siteIds).toEqual([other.siteId]);
    expect((await as(mover, `/v1/calls/${other.callId}`)).status).toBe(200);
    expect((await as(mover, `/v1/calls/${homeCall}`)).status).toBe(403);
  });

  it('disabling a user ends their sessions at once, and they cannot sign in again', async () => {
    const leaver = await addStaff(t.database.db, {
      email: 'leaver@example.com',
      role: 'agent',
      siteIds: [homeSite],
    });
    expect((await as(leaver, '/v1/calls')).status).toBe(200);
    const res = await as(admin, `/v1/staff/${leaver.id}`, { method: 'PATCH', body: { disabled: true } });
    expect(((await res.json()) as { user: { disabled: boolean } }).user.disabled).toBe(true);
    expect((await as(leaver, '/v1/calls')).status).toBe(401);
    // Enabling again does not bring the old session back.
    await as(admin, `/v1/staff/${leaver.id}`, { method: 'PATCH', body: { disabled: false } });
    expect((await as(leaver, '/v1/calls')).status).toBe(401);
    const rows = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'staff.update'));
    expect(rows.some((r) => r.actor === `staff:${admin.id}` && r.details.userId === leaver.id)).toBe(true);
  });

  it('refuses to disable or demote the last admin (409)', async () => {
    for (const body of [{ disabled: true }, { role: 'agent' }]) {
      const res = await as(admin, `/v1/staff/${admin.id}`, { method: 'PATCH', body });
      expect(await errorOf(res)).toMatchObject({ status: 409, code: 'conflict' });
    }
    expect((await as(admin, '/v1/staff')).status).toBe(200);
  });

  it('answers 404 for a staff id that does not exist', async () => {
    const res = await as(admin, '/v1/staff/01900000-0000-7000-8000-000000000000', {
      method: 'PATCH',
      body: { disabled: true },
    });
    expect(res.status).toBe(404);
  });
});
