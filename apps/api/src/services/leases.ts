import { type Db, leases } from '@voicedesk/db';
import { eq, or, sql } from 'drizzle-orm';

/**
 * Takes or renews a named lease. True while this holder has it: the row is ours, or its last
 * holder let it expire (crashed, or shut down). A plain row, so it works on PGlite as well as
 * on a shared PostgreSQL behind several API instances.
 */
export async function acquireLease(
  db: Db,
  name: string,
  holder: string,
  now: Date,
  ttlMs: number,
): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const rows = await db
    .insert(leases)
    .values({ name, holder, expiresAt })
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder, expiresAt },
      setWhere: or(eq(leases.holder, holder), sql`${leases.expiresAt} < ${now.toISOString()}::timestamptz`),
    })
    .returning({ holder: leases.holder });
  return rows[0]?.holder === holder;
}
