import { type Db, voiceCalls } from '@voicedesk/db';
import { and, count, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { SiteScope } from './calls-query.ts';

export type StatsBucket = 'day' | 'hour';

export interface StatsRequest {
  from: Date;
  /** Exclusive. */
  to: Date;
  siteId?: string | undefined;
  bucket: StatsBucket;
}

export interface CallStatsReport {
  totals: { calls: number; minutes: number; averageDurationSeconds: number | null; missedRate: number };
  endReasons: Record<string, number>;
  series: { bucketStart: string; calls: number; minutes: number; missed: number }[];
}

const BUCKET_MS: Record<StatsBucket, number> = { day: 86_400_000, hour: 3_600_000 };
/** A chart has room for this many points; more is a request for the wrong bucket. */
export const MAX_BUCKETS = 1_000;

/** Buckets are whole UTC days or hours; the client shows them in the viewer's zone. */
export function bucketStartOf(at: Date, bucket: StatsBucket): number {
  const ms = BUCKET_MS[bucket];
  return Math.floor(at.getTime() / ms) * ms;
}

export function bucketCount(req: StatsRequest): number {
  return Math.ceil((req.to.getTime() - bucketStartOf(req.from, req.bucket)) / BUCKET_MS[req.bucket]);
}

/**
 * One pass over the calls created in [from, to): grouped by bucket and end reason, then folded
 * here into totals, end reasons and a series with every bucket present (zero where no call was).
 * Missed rate is missed over ended calls, as the list's stats give it.
 */
export async function callStatsReport(db: Db, scope: SiteScope, req: StatsRequest): Promise<CallStatsReport> {
  const parts: (SQL | undefined)[] = [gte(voiceCalls.createdAt, req.from), lt(voiceCalls.createdAt, req.to)];
  if (scope !== 'all') parts.push(scope.length ? inArray(voiceCalls.siteId, [...scope]) : sql`false`);
  if (req.siteId) parts.push(sql`${voiceCalls.siteId} = ${req.siteId}`);
  // The unit is one of two fixed words, inlined so that the select and the group by are one expression.
  const bucketExpr = sql`date_trunc(${sql.raw(`'${req.bucket}'`)}, ${voiceCalls.createdAt}, 'UTC')`;
  const rows = await db
    .select({
      bucket: sql<number>`extract(epoch from ${bucketExpr})`.mapWith(Number),
      endReason: voiceCalls.endReason,
      calls: count(),
      seconds: sql<number>`coalesce(sum(${voiceCalls.durationSeconds}), 0)`.mapWith(Number),
      withDuration: count(voiceCalls.durationSeconds),
      missed: sql<number>`count(*) filter (where ${voiceCalls.status} = 'missed')`.mapWith(Number),
      ended:
        sql<number>`count(*) filter (where ${voiceCalls.status} in ('completed', 'missed', 'failed'))`.mapWith(
          Number,
        ),
    })
    .from(voiceCalls)
    .where(and(...parts))
    .groupBy(bucketExpr, voiceCalls.endReason);

  const ms = BUCKET_MS[req.bucket];
  const first = bucketStartOf(req.from, req.bucket);
  const series = Array.from({ length: bucketCount(req) }, (_, i) => ({
    start: first + i * ms,
    calls: 0,
    seconds: 0,
    missed: 0,
  }));
  const endReasons: Record<string, number> = {};
  let calls = 0;
  let seconds = 0;
  let withDuration = 0;
  let missed = 0;
  let ended = 0;
  for (const row of rows) {
    const point = series[Math.round((row.bucket * 1000 - first) / ms)];
    if (point) {
      point.calls += row.calls;
      point.seconds += row.seconds;
      point.missed += row.missed;
    }
    if (row.endReason) endReasons[row.endReason] = (endReasons[row.endReason] ?? 0) + row.calls;
    calls += row.calls;
    seconds += row.seconds;
    withDuration += row.withDuration;
    missed += row.missed;
    ended += row.ended;
  }
  const minutes = (s: number) => Math.round((s / 60) * 10) / 10;
  return {
    totals: {
      calls,
      minutes: minutes(seconds),
      averageDurationSeconds: withDuration === 0 ? null : Math.round(seconds / withDuration),
      missedRate: ended === 0 ? 0 : Math.round((missed / ended) * 1000) / 1000,
    },
    endReasons,
    series: series.map((p) => ({
      bucketStart: new Date(p.start).toISOString(),
      calls: p.calls,
      minutes: minutes(p.seconds),
      missed: p.missed,
    })),
  };
}
