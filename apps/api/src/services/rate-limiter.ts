import { type Db, rateLimitHits } from '@voicedesk/db';
import { and, eq, lt, sql } from 'drizzle-orm';

/** Counters older than this are pruned: the longest window a limit may use. */
const MAX_WINDOW_MS = 3600_000;

export type LimitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number };

function windowOf(now: Date, windowSeconds: number) {
  const windowMs = Math.min(windowSeconds * 1000, MAX_WINDOW_MS);
  return { windowMs, windowStart: new Date(Math.floor(now.getTime() / windowMs) * windowMs) };
}

/** Counts one hit and returns the window's count. */
function countHit(db: Db, bucket: string, windowStart: Date) {
  return db
    .insert(rateLimitHits)
    .values({ bucket, windowStart, hits: 1 })
    .onConflictDoUpdate({
      target: [rateLimitHits.bucket, rateLimitHits.windowStart],
      set: { hits: sql`${rateLimitHits.hits} + 1` },
    })
    .returning({ hits: rateLimitHits.hits });
}

/** What a window's count (the hit included) means for the caller. */
export function limitOutcome(hits: number, limit: number, now: Date, windowSeconds = 60): LimitOutcome {
  if (hits <= limit) return { allowed: true };
  const { windowMs, windowStart } = windowOf(now, windowSeconds);
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds };
}

/**
 * Fixed windows (one minute unless told) counted in the database, so the limit holds across
 * API instances. Returns how many seconds to wait when the caller is over the limit.
 */
export async function hitRateLimit(
  db: Db,
  bucket: string,
  limit: number,
  now: Date,
  windowSeconds = 60,
): Promise<LimitOutcome> {
  const [row] = await countHit(db, bucket, windowOf(now, windowSeconds).windowStart);
  return limitOutcome(row?.hits ?? 0, limit, now, windowSeconds);
}

/**
 * The hit of `hitRateLimit` as a data-modifying CTE (selecting `hits`), so that a read can share
 * its round trip: Postgres runs it to completion whatever the rest of the statement finds.
 */
export function rateLimitHitCte(db: Db, bucket: string, now: Date, windowSeconds = 60) {
  return db.$with('rate_limit_hit').as(countHit(db, bucket, windowOf(now, windowSeconds).windowStart));
}

/**
 * Whether a bucket is already at its limit in the current window, without counting a hit: for
 * limits that count only some outcomes (failed sign-ins), checked before the outcome is known.
 */
export async function peekRateLimit(
  db: Db,
  bucket: string,
  limit: number,
  now: Date,
  windowSeconds = 60,
): Promise<LimitOutcome> {
  const { windowMs, windowStart } = windowOf(now, windowSeconds);
  const [row] = await db
    .select({ hits: rateLimitHits.hits })
    .from(rateLimitHits)
    .where(and(eq(rateLimitHits.bucket, bucket), eq(rateLimitHits.windowStart, windowStart)));
  if ((row?.hits ?? 0) < limit) return { allowed: true };
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds };
}

export async function pruneRateLimits(db: Db, now: Date): Promise<void> {
  await db
    .delete(rateLimitHits)
    .where(lt(rateLimitHits.windowStart, new Date(now.getTime() - MAX_WINDOW_MS - 60_000)));
}
