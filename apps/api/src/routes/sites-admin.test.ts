import { auditLog } from '@voicedesk/db';
import { desc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type RouteApp, startRouteApp, TEST_ORIGIN } from '../testing/route-app.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('sites_admin');
});
afterAll(async () => {
  await t?.close();
});

interface SiteBody {
  site: { id: string; publicKey: string; name: string; greeting: string; maxCallSeconds: number } & Record<
    string,
    unknown
  >;
}

const send = (method: string, path: string, body?: unknown) =>
  t.request(path, {
    method,
    headers: { authorization: `Bearer ${t.deps.config.adminApiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const lastAudit = async () =>
  (await t.database.db.select().from(auditLog).orderBy(desc(auditLog.at)).limit(1))[0];

describe('sites management', () => {
  it('creates a site with defaults and a fresh public key, and audits it', async () => {
    const res = await send('POST', '/v1/sites', {
      name: 'Shop',
      allowedOrigins: ['https://shop.example.com'],
    });
    expect(res.status).toBe(201);
    const { site } = (await res.json()) as SiteBody;
    expect(site).toMatchObject({
      name: 'Shop',
      allowedOrigins: ['https://shop.example.com'],
      maxCallSeconds: 900,
      // No offer time of its own: ESCALATION_OFFER_SECONDS applies.
      offerSeconds: null,
    });
    expect(site.publicKey).toMatch(/^pk_/);
    expect(await lastAudit()).toMatchObject({
      action: 'site.create',
      actor: 'admin-key',
      details: { siteId: site.id },
    });
    const list = (await (await send('GET', '/v1/sites')).json()) as { items: { id: string }[] };
    expect(list.items.map((s) => s.id)).toContain(site.id);
  });

  it('changes only what the patch names, audits old and new values, and the next call uses them', async () => {
    const list = (await (await send('GET', '/v1/sites')).json()) as { items: SiteBody['site'][] };
    const demo = list.items.find((s) => s.publicKey === t.siteKey);
    if (!demo) throw new Error('the default site is missing');
    const res = await send('PATCH', `/v1/sites/${demo.id}`, {
      greeting: 'Bonjour, comment puis-je vous aider ?',
      maxCallSeconds: 300,
      businessHours: null,
      retentionDays: 30,
      offerSeconds: 45,
    });
    expect(res.status).toBe(200);
    const { site } = (await res.json()) as SiteBody;
    expect(site).toMatchObject({ greeting: 'Bonjour, comment puis-je vous aider ?', maxCallSeconds: 300 });
    expect(site.allowedOrigins).toEqual([TEST_ORIGIN]);
    const entry = await lastAudit();
    expect(entry).toMatchObject({
      action: 'site.update',
      details: {
        siteId: demo.id,
        changes: {
          maxCallSeconds: { from: 900, to: 300 },
          retentionDays: { from: null, to: 30 },
          offerSeconds: { from: null, to: 45 },
        },
      },
    });
    // businessHours was already null: not a change.
    expect(Object.keys((entry?.details as { changes?: object } | undefined)?.changes ?? {})).not.toContain(
      'businessHours',
    );
    // What the assistant is given when it takes the next call of this site.
    const call = await t.mintCall();
    const assistant = await t.internal(`/internal/calls/${call.callId}/assistant`, {});
    expect(await assistant.json()).toMatchObject({
      greeting: 'Bonjour, comment puis-je vous aider ?',
      maxCallSeconds: 300,
    });
  });

  it('409 for origins of the site DEFAULT_SITE_ORIGINS manages (a restart would undo them)', async () => {
    const list = (await (await send('GET', '/v1/sites')).json()) as { items: SiteBody['site'][] };
    const demo = list.items.find((s) => s.publicKey === t.siteKey);
    const res = await send('PATCH', `/v1/sites/${demo?.id}`, {
      allowedOrigins: ['https://elsewhere.example'],
    });
    expect(await errorOf(res)).toMatchObject({ status: 409, code: 'conflict', field: 'allowedOrigins' });
    // Unchanged origins in a patch are fine.
    expect((await send('PATCH', `/v1/sites/${demo?.id}`, { allowedOrigins: [TEST_ORIGIN] })).status).toBe(
      200,
    );
  });

  it('writes no audit row for a patch that changes nothing', async () => {
    const { site } = (await (await send('POST', '/v1/sites', { name: 'Quiet' })).json()) as SiteBody;
    const before = await lastAudit();
    expect((await send('PATCH', `/v1/sites/${site.id}`, { name: 'Quiet' })).status).toBe(200);
    expect((await lastAudit())?.id).toBe(before?.id);
  });

  it.each([
    ['name', { name: '' }],
    ['allowedOrigins.0', { allowedOrigins: ['shop.example.com'] }],
    ['allowedOrigins.0', { allowedOrigins: ['https://shop.example.com/checkout'] }],
    ['maxCallSeconds', { maxCallSeconds: 5 }],
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 600, maxCallSeconds: 300 }],
    ['retentionDays', { retentionDays: 0 }],
    ['offerSeconds', { offerSeconds: 5 }],
    ['offerSeconds', { offerSeconds: 1000 }],
    ['offerSeconds', { offerSeconds: 'x' }],
    ['offerSeconds', { offerSeconds: 12.5 }],
    ['businessHours.timeZone', { businessHours: { timeZone: 'Mars/Olympus', days: {} } }],
    [
      'businessHours.days.mon.0.close',
      { businessHours: { timeZone: 'UTC', days: { mon: [{ open: '18:00', close: '09:00' }] } } },
    ],
    ['businessHours.days', { businessHours: { timeZone: 'UTC', days: { someday: [] } } }],
    ['theme.color', { theme: { buttonLabel: 'Call', color: 'blue', position: 'bottom-right' } }],
    ['greeting', { greeting: 'nul \u0000 byte' }],
  ])('400 validation_failed naming %s', async (field, patch) => {
    const { site } = (await (await send('POST', '/v1/sites', { name: 'Checked' })).json()) as SiteBody;
    const err = await errorOf(await send('PATCH', `/v1/sites/${site.id}`, patch));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed', field });
  });

  it('400 naming a field it does not know, rather than ignoring it', async () => {
    const { site } = (await (await send('POST', '/v1/sites', { name: 'Strict' })).json()) as SiteBody;
    const err = await errorOf(await send('PATCH', `/v1/sites/${site.id}`, { publicKey: 'pk_mine_12345678' }));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(err.message).toContain('publicKey');
  });

  it('400 for a site without a name, 404 for a site that does not exist', async () => {
    expect(await errorOf(await send('POST', '/v1/sites', {}))).toMatchObject({ status: 400, field: 'name' });
    const missing = await send('PATCH', '/v1/sites/01900000-0000-7000-8000-000000000000', { name: 'x' });
    expect(await errorOf(missing)).toMatchObject({ status: 404, code: 'site_not_found', field: 'id' });
  });

  it('documents the body of a new site as the body it accepts: a name and any setting', async () => {
    const doc = (await (await t.request('/v1/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const create = doc.components.schemas.SiteCreate;
    expect(create?.required).toEqual(['name']);
    expect(Object.keys(create?.properties ?? {})).toEqual(
      expect.arrayContaining(['name', 'greeting', 'allowedOrigins', 'businessHours']),
    );
  });
});
