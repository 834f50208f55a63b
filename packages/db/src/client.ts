import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type ListenHandlers, type Listening, listenPglite, listenPostgres } from './listen.ts';
import { honourPrepareOption } from './prepared-statements.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The common surface of both drivers; repositories are written against this only. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** The handle a `db.transaction` body is given. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export interface DatabaseHandle {
  db: Db;
  kind: DatabaseTarget['kind'];
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** LISTEN on a channel over a connection of its own, re-established when it drops (see listen.ts). */
  listen(channel: string, handlers: ListenHandlers): Promise<Listening>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Any constant shared by all instances: only one of them runs migrations at a time. */
const MIGRATION_LOCK_KEY = 7_305_441_902;

export async function openDatabase(
  target: DatabaseTarget,
  options: { maxConnections?: number } = {},
): Promise<DatabaseHandle> {
  if (target.kind === 'pglite') {
    // ':memory:' keeps tests hermetic; anything else is a directory that persists across restarts.
    if (target.dataDir !== ':memory:') mkdirSync(target.dataDir, { recursive: true });
    const client = target.dataDir === ':memory:' ? new PGlite() : new PGlite(target.dataDir);
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      migrate: () => migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS_DIR }),
      ping: async () => {
        await client.query('select 1');
      },
      close: () => client.close(),
      listen: (channel, handlers) => listenPglite(client, channel, handlers),
    };
  }
  const client = postgres(target.url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
  });
  const db = drizzlePostgres(honourPrepareOption(client), { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: async () => {
      // A dedicated connection, so the advisory lock and the migration share one session.
      const lockClient = postgres(target.url, { max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(lockClient, { schema }), { migrationsFolder: MIGRATIONS_DIR });
        await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
    listen: (channel, handlers) => listenPostgres(target.url, channel, handlers),
  };
}
