import { apiKeys, auditLog } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';

let t: RouteApp;
let callId: string;
beforeAll(async () => {
  t = await startRouteApp('api_keys');
  callId = await t.insertCall();
});
afterAll(async () => {
  await t?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** Programs hold keys: the bootstrap ADMIN_API_KEY makes the first ones. */
const bootstrap = () => bearer(t.deps.config.adminApiKey);

async function createKey(scopes: string[], by = bootstrap()) {
  const res = await t.request('/v1/api-keys', {
    method: 'POST',
    headers: { ...by, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `program ${scopes.join('+')}`, scopes }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: { id: string; prefix: string; scopes: string[] }; secret: string };
}

describe('API keys', () => {
  it('shows the secret once and stores only its hash', async () => {
    const { key, secret } = await createKey(['calls:read']);
    expect(secret).toMatch(new RegExp(`^vdk_${key.prefix}_[A-Za-z0-9_-]{43}$`));
    const listed = await (await t.request('/v1/api-keys', { headers: bootstrap() })).text();
    expect(listed).toContain(key.id);
    expect(listed).not.toContain(secret.split('_').at(-1));
    const [row] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(JSON.stringify(row)).not.toContain(secret.split('_').at(-1));
  });

  it('a calls:read key reads calls, and is refused writes and admin routes (403)', async () => {
    const { key, secret } = await createKey(['calls:read']);
    expect((await t.request('/v1/calls', { headers: bearer(secret) })).status).toBe(200);
    expect((await t.request(`/v1/calls/${callId}`, { headers: bearer(secret) })).status).toBe(200);
    const del = await t.request(`/v1/calls/${callId}`, { method: 'DELETE', headers: bearer(secret) });
    expect(await errorOf(del)).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await t.request('/v1/staff', { headers: bearer(secret) })).status).toBe(403);
    expect((await t.request('/v1/api-keys', { headers: bearer(secret) })).status).toBe(403);
    // Its reads are audited under its own id.
    const rows = await t.database.db.select().from(auditLog).where(eq(auditLog.callId, callId));
    expect(rows).toContainEqual(
      expect.objectContaining({ actor: `api-key:${key.id}`, action: 'transcript.read' }),
    );
    const [row] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row?.lastUsedAt).not.toBeNull();
  });

  it('an admin key manages staff and keys', async () => {
    const { secret } = await createKey(['admin']);
    expect((await t.request('/v1/staff', { headers: bearer(secret) })).status).toBe(200);
    const made = await createKey(['calls:write'], bearer(secret));
    expect(made.key.scopes).toEqual(['calls:write']);
  });

  it('a revoked key is refused at once (401), and revoking is audited', async () => {
    const { key, secret } = await createKey(['calls:read']);
    expect((await t.request('/v1/calls', { headers: bearer(secret) })).status).toBe(200);
    const res = await t.request(`/v1/api-keys/${key.id}`, { method: 'DELETE', headers: bootstrap() });
    expect(res.status).toBe(204);
    expect(await errorOf(await t.request('/v1/calls', { headers: bearer(secret) }))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    const listed = (await (await t.request('/v1/api-keys', { headers: bootstrap() })).json()) as {
      items: { id: string; revokedAt: string | null }[];
    };
    expect(listed.items.find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
    const rows = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'api_key.revoke'));
    expect(rows).toContainEqual(expect.objectContaining({ actor: 'admin-key', details: { keyId: key.id } }));
  });

  it('a key with a wrong secret but a real prefix is refused (401)', async () => {
    const { key } = await createKey(['admin']);
    const forged = `vdk_${key.prefix}_${'A'.repeat(43)}`;
    expect((await t.request('/v1/calls', { headers: bearer(forged) })).status).toBe(401);
  });

  it('refuses an unknown scope and an empty scope list (400 naming scopes)', async () => {
    for (const scopes of [['calls:everything'], []]) {
      const res = await t.request('/v1/api-keys', {
        method: 'POST',
        headers: { ...bootstrap(), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', scopes }),
      });
      const error = await errorOf(res);
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.field).toMatch(/^scopes/);
    }
  });
});
