import { type DatabaseHandle, dropTestDatabase, openDatabase, recreateTestDatabase } from '@voicedesk/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callStatsReport } from '../../apps/api/src/services/call-stats.ts';
import { callDetail, listCalls, type SiteScope } from '../../apps/api/src/services/calls-query.ts';
import { insertCallRow, insertSite } from '../support/call-rows.ts';

const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = 'voicedesk_calls_search_test';

/** Postgres in production, PGlite when DATABASE_URL is unset: search must behave the same on both. */
describe.each(['postgres', 'pglite'] as const)('calls search and filters on %s', (kind) => {
  let database: DatabaseHandle;
  let shopSite: string;
  let blogSite: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database =
      kind === 'postgres'
        ? await openDatabase(
            { kind, url: await recreateTestDatabase(SERVER, DB_NAME) },
            { maxConnections: 2 },
          )
        : await openDatabase({ kind, dataDir: ':memory:' });
    await database.migrate();
    const db = database.db;
    shopSite = await insertSite(db, 'shop');
    blogSite = await insertSite(db, 'blog');
    ids.refund = await insertCallRow(db, {
      siteId: shopSite,
      durationSeconds: 240,
      endReason: 'assistant_ended',
      lines: [
        'Hi, thanks for calling. How can I help you today?',
        'I was charged twice for my order last week and I would like a refund please.',
        'I am sorry to hear that. Let me look up your order.',
      ],
    });
    ids.shipping = await insertCallRow(db, {
      siteId: shopSite,
      durationSeconds: 45,
      lines: ['Hello!', 'Where is my parcel? The tracking page says it left the warehouse.'],
    });
    ids.markup = await insertCallRow(db, {
      siteId: blogSite,
      durationSeconds: 90,
      lines: ['Hello!', 'My comment shows <b>refund</b> as raw text \uE000 and a \uE001 mark.'],
    });
    ids.missed = await insertCallRow(db, {
      siteId: blogSite,
      status: 'missed',
      endReason: 'visitor_never_joined',
      durationSeconds: null,
    });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    if (kind === 'postgres') await dropTestDatabase(SERVER, DB_NAME);
  });

  const page = { limit: 25 };

  it('finds the call where a word was said and marks the word in that line', async () => {
    const { items } = await listCalls(database.db, 'all', { q: 'charged' }, page);
    expect(items.map((i) => i.id)).toEqual([ids.refund]);
    const snippet = items[0]?.snippet ?? [];
    expect(snippet.map((p) => p.text).join('')).toBe(
      'I was charged twice for my order last week and I would like a refund please.',
    );
    expect(snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['charged']);
  });

  it('matches whatever the case, a phrase in order, and either of two words', async () => {
    const upper = await listCalls(database.db, 'all', { q: 'CHARGED Twice' }, page);
    expect(upper.items.map((i) => i.id)).toEqual([ids.refund]);
    const phrase = await listCalls(database.db, 'all', { q: '"order last week"' }, page);
    expect(phrase.items.map((i) => i.id)).toEqual([ids.refund]);
    const wrongOrder = await listCalls(database.db, 'all', { q: '"week last order"' }, page);
    expect(wrongOrder.items).toEqual([]);
    const either = await listCalls(database.db, 'all', { q: 'parcel or twice' }, page);
    expect(new Set(either.items.map((i) => i.id))).toEqual(new Set([ids.refund, ids.shipping]));
  });

  it('marks only real matches: no text in a transcript can place or forge a mark', async () => {
    const { items } = await listCalls(database.db, 'all', { q: 'refund' }, page);
    const markup = items.find((i) => i.id === ids.markup);
    const parts = markup?.snippet ?? [];
    // Tag-like text stays text (the client renders parts as text, never as HTML); the private-use
    // marks the line itself held are gone, so only the search placed the one mark there is.
    expect(parts.map((p) => p.text).join('')).toBe(
      'My comment shows <b>refund</b> as raw text  and a  mark.',
    );
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['refund']);
  });

  it('finds nothing for a word nobody said, or a query with no words', async () => {
    expect((await listCalls(database.db, 'all', { q: 'lasagne' }, page)).items).toEqual([]);
    expect((await listCalls(database.db, 'all', { q: '?!' }, page)).items).toEqual([]);
  });

  it('combines search with end reason, duration and site filters', async () => {
    const hello = (filters: Parameters<typeof listCalls>[2]) =>
      listCalls(database.db, 'all', { q: 'hello', ...filters }, page).then((r) => r.items.map((i) => i.id));
    expect(new Set(await hello({}))).toEqual(new Set([ids.shipping, ids.markup]));
    expect(await hello({ minDuration: 60 })).toEqual([ids.markup]);
    expect(await hello({ maxDuration: 60 })).toEqual([ids.shipping]);
    expect(await hello({ siteId: blogSite })).toEqual([ids.markup]);
    expect(await hello({ endReason: ['assistant_ended'] })).toEqual([]);
    const ended = await listCalls(database.db, 'all', { endReason: ['visitor_never_joined'] }, page);
    expect(ended.items.map((i) => i.id)).toEqual([ids.missed]);
  });

  it('never returns calls of sites outside the scope, and refuses their detail', async () => {
    const shopOnly: SiteScope = [shopSite];
    const all = await listCalls(database.db, shopOnly, {}, page);
    expect(new Set(all.items.map((i) => i.id))).toEqual(new Set([ids.refund, ids.shipping]));
    // Asking for another site by id does not widen the scope.
    expect((await listCalls(database.db, shopOnly, { siteId: blogSite }, page)).items).toEqual([]);
    expect((await listCalls(database.db, shopOnly, { q: 'refund' }, page)).items.map((i) => i.id)).toEqual([
      ids.refund,
    ]);
    expect((await listCalls(database.db, [], {}, page)).items).toEqual([]);
    expect(await callDetail(database.db, shopOnly, ids.markup as string)).toBe('forbidden');
    expect(await callDetail(database.db, shopOnly, ids.refund as string)).toMatchObject({ id: ids.refund });
    const stats = await callStatsReport(database.db, shopOnly, {
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 60_000),
      bucket: 'day',
    });
    expect(stats.totals.calls).toBe(2);
  });

  it('gives the same pages whether a search walks the newest calls or gathers them from the index', async () => {
    const db = database.db;
    for (let i = 0; i < 9; i++) {
      await insertCallRow(db, {
        siteId: i % 3 === 0 ? blogSite : shopSite,
        lines: ['Hello.', i % 2 === 0 ? `Voucher code ${i} did not work.` : 'Nothing to see.'],
      });
    }
    const pages = async (searchWindow: number, siteId?: string) => {
      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const res = await listCalls(db, 'all', { q: 'voucher', siteId }, { limit: 2, cursor, searchWindow });
        seen.push(res.items.map((i) => i.id));
        cursor = res.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    const walked = await pages(1_000);
    expect(walked.flat()).toHaveLength(5);
    // A window of 1 or 3 calls: most of each page comes from the index, below the window.
    expect(await pages(1)).toEqual(walked);
    expect(await pages(3)).toEqual(walked);
    expect(await pages(3, shopSite)).toEqual(await pages(1_000, shopSite));
    expect((await pages(1, shopSite)).flat()).toHaveLength(3);
  });
});
