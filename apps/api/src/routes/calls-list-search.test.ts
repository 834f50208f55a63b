import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCallRow, insertSite } from '../../../../tests/support/call-rows.ts';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';

let t: RouteApp;
let site: string;
/** Newest first, as the list gives them. */
const refundCalls: string[] = [];

beforeAll(async () => {
  t = await startRouteApp('calls_list_search');
  site = await insertSite(t.database.db, 'shop');
  const start = Date.parse('2026-11-01T09:00:00Z');
  for (let i = 0; i < 12; i++) {
    const refund = i % 2 === 0;
    const id = await insertCallRow(t.database.db, {
      siteId: site,
      createdAt: new Date(start + i * 60_000),
      durationSeconds: 30 + i * 10,
      lines: ['Hello, how can I help?', refund ? `I need a refund for order ${i}.` : `Where is parcel ${i}?`],
    });
    if (refund) refundCalls.unshift(id);
  }
});
afterAll(async () => {
  await t?.close();
});

interface Page {
  items: { id: string; durationSeconds: number; snippet?: { text: string; match: boolean }[] | null }[];
  nextCursor: string | null;
}

const get = async (query: string): Promise<Page> => {
  const res = await t.request(`/v1/calls?${query}`, {
    headers: { authorization: `Bearer ${t.deps.config.adminApiKey}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
};

describe('GET /v1/calls with a search: pages through the matches only, each with its line', () => {
  it('walks every matching call once, in order, across pages, while new calls arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await get(`q=refund&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      pages++;
      for (const item of page.items) {
        seen.push(item.id);
        expect(item.snippet?.find((p) => p.match)?.text).toBe('refund');
      }
      // A call that comes in between two pages lands above the cursor: it shifts nothing.
      await insertCallRow(t.database.db, {
        siteId: site,
        durationSeconds: 5,
        lines: ['Another refund, please.'],
      });
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(refundCalls);
  });

  it('gives the whole line as text, the match marked, on the wire', async () => {
    const page = await get('q=refund&limit=1&minDuration=100&maxDuration=130');
    expect(page.items[0]?.snippet).toEqual([
      { text: 'I need a ', match: false },
      { text: 'refund', match: true },
      { text: ' for order 10.', match: false },
    ]);
  });

  it('keeps duration filters across pages', async () => {
    const first = await get('minDuration=60&maxDuration=100&limit=3');
    const second = await get(`minDuration=60&maxDuration=100&limit=3&cursor=${first.nextCursor}`);
    const durations = [...first.items, ...second.items].map((i) => i.durationSeconds);
    expect(durations).toEqual([100, 90, 80, 70, 60]);
    expect(second.nextCursor).toBeNull();
  });

  it('has no snippet field without a search', async () => {
    const page = await get('limit=1');
    expect(page.items[0]).not.toHaveProperty('snippet');
  });
});
