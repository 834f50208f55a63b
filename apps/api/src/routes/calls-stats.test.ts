import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCallRow, insertSite } from '../../../../tests/support/call-rows.ts';
import { errorOf, type RouteApp, startRouteApp } from '../testing/route-app.ts';

let t: RouteApp;
let shop: string;
let blog: string;
const NOW = new Date('2026-11-20T12:00:00Z');

beforeAll(async () => {
  t = await startRouteApp('calls_stats', { now: () => NOW });
  shop = await insertSite(t.database.db, 'shop');
  blog = await insertSite(t.database.db, 'blog');
  const at = (iso: string) => new Date(iso);
  const db = t.database.db;
  // Nov 17: two completed calls (3 and 5 minutes). Nov 18: none. Nov 19: one missed, one failed.
  await insertCallRow(db, { siteId: shop, createdAt: at('2026-11-17T09:15:00Z'), durationSeconds: 180 });
  await insertCallRow(db, {
    siteId: shop,
    createdAt: at('2026-11-17T09:45:00Z'),
    durationSeconds: 300,
    endReason: 'assistant_ended',
  });
  await insertCallRow(db, {
    siteId: shop,
    createdAt: at('2026-11-19T14:00:00Z'),
    status: 'missed',
    endReason: 'visitor_never_joined',
    durationSeconds: null,
  });
  await insertCallRow(db, {
    siteId: blog,
    createdAt: at('2026-11-19T23:59:59Z'),
    status: 'failed',
    endReason: 'assistant_lost',
    durationSeconds: 60,
  });
  // Outside every range asked below.
  await insertCallRow(db, { siteId: shop, createdAt: at('2026-10-01T00:00:00Z'), durationSeconds: 999 });
});
afterAll(async () => {
  await t?.close();
});

const stats = (query: string) =>
  t.request(`/v1/calls/stats?${query}`, {
    headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` },
  });

describe('GET /v1/calls/stats', () => {
  it('totals, end reasons and one bucket per day, empty days included', async () => {
    const res = await stats('from=2026-11-16T00:00:00Z&to=2026-11-20T00:00:00Z');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      totals: { calls: 4, minutes: 9, averageDurationSeconds: 180, missedRate: 0.25 },
      endReasons: { visitor_hung_up: 1, assistant_ended: 1, visitor_never_joined: 1, assistant_lost: 1 },
      series: [
        { bucketStart: '2026-11-16T00:00:00.000Z', calls: 0, minutes: 0, missed: 0 },
        { bucketStart: '2026-11-17T00:00:00.000Z', calls: 2, minutes: 8, missed: 0 },
        { bucketStart: '2026-11-18T00:00:00.000Z', calls: 0, minutes: 0, missed: 0 },
        { bucketStart: '2026-11-19T00:00:00.000Z', calls: 2, minutes: 1, missed: 1 },
      ],
    });
  });

  it('hour buckets, for one site', async () => {
    const res = await stats(`from=2026-11-17T08:00:00Z&to=2026-11-17T11:00:00Z&bucket=hour&siteId=${shop}`);
    const body = (await res.json()) as { series: { bucketStart: string; calls: number }[] };
    expect(body.series.map((p) => [p.bucketStart.slice(11, 13), p.calls])).toEqual([
      ['08', 0],
      ['09', 2],
      ['10', 0],
    ]);
  });

  it('defaults to the last 30 days by day', async () => {
    const body = (await (await stats('')).json()) as { totals: { calls: number }; series: unknown[] };
    expect(body.series).toHaveLength(31);
    expect(body.totals.calls).toBe(4);
  });

  it.each([
    ['from', 'from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z'],
    ['bucket', 'from=2025-01-01T00:00:00Z&to=2026-11-19T00:00:00Z&bucket=hour'],
    ['bucket', 'bucket=week'],
    ['siteId', 'siteId=shop'],
  ])('400 validation_failed naming %s', async (field, query) => {
    expect(await errorOf(await stats(query))).toMatchObject({
      status: 400,
      code: 'validation_failed',
      field,
    });
  });

  it('401 without a staff credential', async () => {
    expect((await t.request('/v1/calls/stats')).status).toBe(401);
  });
});
