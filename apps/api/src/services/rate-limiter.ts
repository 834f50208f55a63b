import { type Db, rateLimitHits } from '@voicedesk/db';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';

/** The longest window a limit may use. */
const MAX_WINDOW_MS = 3600_000;

export type LimitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A bucket's hits in the window `now` falls in and in the one before it. */
export type WindowCounts = { current: number; previous: number };

function windowOf(now: Date, windowSeconds: number) {
  const windowMs = Math.min(windowSeconds * 1000, MAX_WINDOW_MS);
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return {
    windowMs,
    windowStart: new Date(start),
    previousStart: new Date(start - windowMs),
    elapsed: (now.getTime() - start) / windowMs,
  };
}

/**
 * Hits over the last window: the current window's, plus the previous window's in proportion to how
 * much of it still lies inside the last `windowMs`. A fixed window alone let a caller spend the
 * limit at the end of one minute and again at the start of the next: twice the limit in a moment.
 */
function slidingHits(counts: WindowCounts, elapsed: number): number {
  return counts.current + counts.previous * (1 - elapsed);
}

/** Float-safe `hits <= limit`, so a caller who waits exactly as told is let in. */
const within = (hits: number, limit: number) => hits <= limit + 1e-9;

/**
 * Milliseconds from the start of the current window until one more hit would be allowed, with no
 * other hits meanwhile: later in this window as the previous one's weight falls, or in the next,
 * where this window's hits become the previous ones, or at worst the one after.
 */
function msUntilAllowed(counts: WindowCounts, limit: number, windowMs: number): number {
  const room = limit - counts.current - 1;
  if (room >= 0) return counts.previous === 0 ? 0 : Math.max(0, 1 - room / counts.previous) * windowMs;
  if (counts.current === 0 || limit < 1) return 2 * windowMs;
  return windowMs + Math.max(0, 1 - (limit - 1) / counts.current) * windowMs;
}

function refusal(counts: WindowCounts, limit: number, now: Date, windowSeconds: number): LimitOutcome {
  const { windowMs, windowStart } = windowOf(now, windowSeconds);
  const waitMs = windowStart.getTime() + msUntilAllowed(counts, limit, windowMs) - now.getTime();
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/** Counts one hit and returns the window's count with the previous window's. */
function countHit(db: Db, bucket: string, now: Date, windowSeconds: number) {
  const { windowStart, previousStart } = windowOf(now, windowSeconds);
  return db
    .insert(rateLimitHits)
    .values({ bucket, windowStart, hits: 1 })
    .onConflictDoUpdate({
      target: [rateLimitHits.bucket, rateLimitHits.windowStart],
      set: { hits: sql`${rateLimitHits.hits} + 1` },
    })
    .returning({
      hits: rateLimitHits.hits,
      previousHits:
        sql<number>`coalesce((select p.hits from ${rateLimitHits} p where p.bucket = ${bucket} and p.window_start = ${previousStart.toISOString()}), 0)`
          .mapWith(Number)
          .as('previous_hits'),
    });
}

/** What a bucket's counts (the caller's hit included) mean for the caller. */
export function limitOutcome(
  counts: WindowCounts,
  limit: number,
  now: Date,
  windowSeconds = 60,
): LimitOutcome {
  if (within(slidingHits(counts, windowOf(now, windowSeconds).elapsed), limit)) return { allowed: true };
  // The refused hit stays counted, so a caller that keeps trying stays refused.
  return refusal(counts, limit, now, windowSeconds);
}

/**
 * A sliding window (one minute unless told) counted in the database, so the limit holds across
 * API instances. Returns how many seconds to wait when the caller is over the limit.
 */
export async function hitRateLimit(
  db: Db,
  bucket: string,
  limit: number,
  now: Date,
  windowSeconds = 60,
): Promise<LimitOutcome> {
  const [row] = await countHit(db, bucket, now, windowSeconds);
  return limitOutcome(
    { current: row?.hits ?? 0, previous: row?.previousHits ?? 0 },
    limit,
    now,
    windowSeconds,
  );
}

/**
 * The hit of `hitRateLimit` as a data-modifying CTE (selecting `hits` and `previousHits`), so that
 * a read can share its round trip: Postgres runs it to completion whatever the rest finds.
 */
export function rateLimitHitCte(db: Db, bucket: string, now: Date, windowSeconds = 60) {
  return db.$with('rate_limit_hit').as(countHit(db, bucket, now, windowSeconds));
}

/**
 * Whether one more hit would be over the limit, without counting it: for limits that count only
 * some outcomes (failed sign-ins), checked before the outcome is known.
 */
export async function peekRateLimit(
  db: Db,
  bucket: string,
  limit: number,
  now: Date,
  windowSeconds = 60,
): Promise<LimitOutcome> {
  const { windowStart, previousStart, elapsed } = windowOf(now, windowSeconds);
  const rows = await db
    .select({ windowStart: rateLimitHits.windowStart, hits: rateLimitHits.hits })
    .from(rateLimitHits)
    .where(
      and(eq(rateLimitHits.bucket, bucket), inArray(rateLimitHits.windowStart, [windowStart, previousStart])),
    );
  const hitsAt = (start: Date) => rows.find((r) => r.windowStart.getTime() === start.getTime())?.hits ?? 0;
  const counts = { current: hitsAt(windowStart), previous: hitsAt(previousStart) };
  if (within(slidingHits(counts, elapsed) + 1, limit)) return { allowed: true };
  return refusal(counts, limit, now, windowSeconds);
}

/** Drops windows too old to be any limit's current or previous one. */
export async function pruneRateLimits(db: Db, now: Date): Promise<void> {
  await db
    .delete(rateLimitHits)
    .where(lt(rateLimitHits.windowStart, new Date(now.getTime() - 2 * MAX_WINDOW_MS - 60_000)));
}
