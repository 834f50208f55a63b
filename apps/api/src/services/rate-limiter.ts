import { type Db, rateLimitHits } from '@voicedesk/db';
import { lt, sql } from 'drizzle-orm';

/**
 * Fixed one-minute windows counted in the database, so the limit holds across API
 * instances. Returns how many seconds to wait when the caller is over the limit.
 */
export async function hitRateLimit(
  db: Db,
  bucket: string,
  limitPerMinute: number,
  now: Date,
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  const windowStart = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const [row] = await db
    .insert(rateLimitHits)
    .values({ bucket, windowStart, hits: 1 })
    .onConflictDoUpdate({
      target: [rateLimitHits.bucket, rateLimitHits.windowStart],
      set: { hits: sql`${rateLimitHits.hits} + 1` },
    })
    .returning({ hits: rateLimitHits.hits });
  if ((row?.hits ?? 0) <= limitPerMinute) return { allowed: true };
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + 60_000 - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds };
}

export async function pruneRateLimits(db: Db, now: Date): Promise<void> {
  await db.delete(rateLimitHits).where(lt(rateLimitHits.windowStart, new Date(now.getTime() - 5 * 60_000)));
}
