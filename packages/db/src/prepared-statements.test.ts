import { eq, sql } from 'drizzle-orm';
import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from './client.ts';
import { dropTestDatabase, recreateTestDatabase } from './test-database.ts';

const SERVER = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_prepared_statements_test';

// Every kind of value the app binds, so the first execution on a connection (bound before
// PostgreSQL has described the statement) and the later ones (bound with its types) are both read.
const samples = pgTable('samples', {
  id: integer('id').primaryKey(),
  label: text('label').notNull(),
  tags: text('tags').array().notNull(),
  details: jsonb('details').$type<{ seen: number[] }>().notNull(),
  done: boolean('done').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
});

let url: string;

beforeAll(async () => {
  url = await recreateTestDatabase(SERVER, DB);
  const setup = await openDatabase({ kind: 'postgres', url }, { maxConnections: 1 });
  await setup.db.execute(sql`
    create table samples (id integer primary key, label text not null, tags text[] not null,
      details jsonb not null, done boolean not null, at timestamptz not null)`);
  await setup.close();
});

afterAll(async () => {
  await dropTestDatabase(SERVER, DB);
});

async function preparedOnConnection(database: DatabaseHandle): Promise<string[]> {
  const rows = (await database.db.execute(sql`select statement from pg_prepared_statements`)) as unknown as {
    statement: string;
  }[];
  return rows.map((row) => row.statement);
}

async function withDatabase<T>(target: string, use: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  // One connection, so what one statement prepared is what the next one sees.
  const database = await openDatabase({ kind: 'postgres', url: target }, { maxConnections: 1 });
  try {
    return await use(database);
  } finally {
    await database.close();
  }
}

describe('statements on PostgreSQL', () => {
  it('are parsed once per connection, in and out of transactions', async () => {
    await withDatabase(url, async (database) => {
      const { db } = database;
      for (const id of [1, 2]) await db.select().from(samples).where(eq(samples.id, id));
      await db.transaction(async (tx) => {
        await tx.execute(sql`select count(*) from samples where label = ${'in a transaction'}`);
        await tx.transaction(async (inner) => {
          await inner.execute(sql`select count(*) from samples where done = ${true}`);
        });
      });
      const prepared = await preparedOnConnection(database);
      expect(
        prepared.filter((text) => text.includes('from "samples" where "samples"."id" = $1')),
      ).toHaveLength(1);
      expect(prepared.some((text) => text.includes('where label = $1'))).toBe(true);
      expect(prepared.some((text) => text.includes('where done = $1'))).toBe(true);
    });
  });

  it('are not prepared when DATABASE_URL says prepare=false (a pooler that cannot keep them)', async () => {
    await withDatabase(`${url}?prepare=false`, async (database) => {
      await database.db.select().from(samples).where(eq(samples.id, 1));
      expect(await preparedOnConnection(database)).toEqual([]);
    });
  });

  it('bind arrays, JSON, booleans and instants alike on the first execution and the later ones', async () => {
    await withDatabase(url, async (database) => {
      const { db } = database;
      const at = new Date('2026-11-28T10:00:00.000Z');
      const sample = (id: number) => ({
        id,
        label: `sample ${id}`,
        tags: ['a "quoted" tag', `tag ${id}`],
        details: { seen: [id, id * 2] },
        done: id % 2 === 0,
        at: new Date(at.getTime() + id * 1000),
      });
      for (const id of [1, 2, 3]) await db.insert(samples).values(sample(id));
      for (const id of [1, 2, 3]) {
        const [row] = await db.select().from(samples).where(eq(samples.id, id));
        expect(row).toEqual(sample(id));
      }
    });
  });
});
