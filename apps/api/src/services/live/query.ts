import { CALL_STATUSES, type CallStatus, TERMINAL_STATUSES } from '@voicedesk/core';
import { type Db, transcriptSegments, voiceCalls } from '@voicedesk/db';
import { and, asc, desc, eq, gt, inArray, notInArray, type SQL } from 'drizzle-orm';

/** `all` for admins; an agent's sites otherwise. No row of another site is ever read for a scope. */
export type SiteScope = readonly string[] | 'all';

const IN_PROGRESS: CallStatus[] = CALL_STATUSES.filter((s) => !TERMINAL_STATUSES.has(s));

const callColumns = {
  id: voiceCalls.id,
  siteId: voiceCalls.siteId,
  roomName: voiceCalls.roomName,
  callerName: voiceCalls.callerName,
  status: voiceCalls.status,
  phase: voiceCalls.phase,
  startedAt: voiceCalls.startedAt,
  connectedAt: voiceCalls.connectedAt,
  endedAt: voiceCalls.endedAt,
  durationSeconds: voiceCalls.durationSeconds,
  endReason: voiceCalls.endReason,
  createdAt: voiceCalls.createdAt,
  updatedAt: voiceCalls.updatedAt,
};

const segmentColumns = {
  callId: transcriptSegments.callId,
  seq: transcriptSegments.seq,
  speaker: transcriptSegments.speaker,
  text: transcriptSegments.text,
  startedAt: transcriptSegments.startedAt,
  endedAt: transcriptSegments.endedAt,
  language: transcriptSegments.language,
  source: transcriptSegments.source,
  createdAt: transcriptSegments.createdAt,
};

type CallRow = Pick<typeof voiceCalls.$inferSelect, keyof typeof callColumns>;
type SegmentRow = Pick<typeof transcriptSegments.$inferSelect, keyof typeof segmentColumns>;

export interface LiveCall {
  id: string;
  siteId: string;
  roomName: string;
  callerName: string | null;
  status: CallStatus;
  phase: string;
  startedAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  endReason: string | null;
  createdAt: string;
}

export interface LiveSegment {
  /** `<callId>:<seq>`: unique across calls, so a client can drop an event it already has. */
  id: string;
  seq: number;
  speaker: string;
  text: string;
  startedAt: string;
  endedAt: string;
  language: string | null;
  source: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toLiveCall(row: CallRow): LiveCall {
  const { updatedAt: _updated, ...call } = row;
  return {
    ...call,
    startedAt: iso(row.startedAt),
    connectedAt: iso(row.connectedAt),
    endedAt: iso(row.endedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export function toLiveSegment(row: SegmentRow): LiveSegment {
  return {
    id: `${row.callId}:${row.seq}`,
    seq: row.seq,
    speaker: row.speaker,
    text: row.text,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt.toISOString(),
    language: row.language,
    source: row.source,
  };
}

function scopeFilter(scope: SiteScope): SQL | undefined {
  if (scope === 'all') return undefined;
  // An empty list matches nothing (Drizzle renders `false`), never everything.
  return inArray(voiceCalls.siteId, [...scope]);
}

/** Calls not yet ended, newest first, each with its transcript so far. */
export async function listLiveCalls(db: Db, scope: SiteScope, limit = 200) {
  const calls = await db
    .select(callColumns)
    .from(voiceCalls)
    .where(and(inArray(voiceCalls.status, IN_PROGRESS), scopeFilter(scope)))
    .orderBy(desc(voiceCalls.id))
    .limit(limit);
  const ids = calls.map((c) => c.id);
  const segments = ids.length
    ? await db
        .select(segmentColumns)
        .from(transcriptSegments)
        .where(inArray(transcriptSegments.callId, ids))
        .orderBy(asc(transcriptSegments.callId), asc(transcriptSegments.seq))
    : [];
  const byCall = new Map<string, LiveSegment[]>();
  for (const s of segments) {
    const list = byCall.get(s.callId) ?? [];
    list.push(toLiveSegment(s));
    byCall.set(s.callId, list);
  }
  return calls.map((c) => ({ ...toLiveCall(c), segments: byCall.get(c.id) ?? [] }));
}

/** What one `call` event says: the row as it is now. */
export interface CallChange {
  siteId: string;
  at: Date;
  call: LiveCall;
}

/** What one `segment` event says. */
export interface SegmentChange {
  siteId: string;
  at: Date;
  callId: string;
  segment: LiveSegment;
}

export async function readCallChange(db: Db, callId: string): Promise<CallChange | undefined> {
  const [row] = await db.select(callColumns).from(voiceCalls).where(eq(voiceCalls.id, callId));
  return row ? { siteId: row.siteId, at: row.updatedAt, call: toLiveCall(row) } : undefined;
}

export async function readSegmentChanges(
  db: Db,
  callId: string,
  seqs: readonly number[],
): Promise<SegmentChange[]> {
  const rows = await db
    .select({ ...segmentColumns, siteId: voiceCalls.siteId })
    .from(transcriptSegments)
    .innerJoin(voiceCalls, eq(voiceCalls.id, transcriptSegments.callId))
    .where(and(eq(transcriptSegments.callId, callId), inArray(transcriptSegments.seq, [...seqs])))
    .orderBy(asc(transcriptSegments.seq));
  return rows.map((r) => ({
    siteId: r.siteId,
    at: r.createdAt,
    callId: r.callId,
    segment: toLiveSegment(r),
  }));
}

/**
 * Every change stored after `since`, oldest first: calls whose row changed, and segments
 * stored, for a client resuming with Last-Event-ID or a listener that lost its connection.
 * `limit` bounds each kind; `complete` is false when there was more (the client must reload).
 */
export async function readChangesSince(db: Db, scope: SiteScope, since: Date, limit = 1000) {
  const calls = await db
    .select(callColumns)
    .from(voiceCalls)
    .where(and(gt(voiceCalls.updatedAt, since), scopeFilter(scope)))
    .orderBy(asc(voiceCalls.updatedAt))
    .limit(limit + 1);
  const segments = await db
    .select({ ...segmentColumns, siteId: voiceCalls.siteId })
    .from(transcriptSegments)
    .innerJoin(voiceCalls, eq(voiceCalls.id, transcriptSegments.callId))
    .where(
      and(
        gt(transcriptSegments.createdAt, since),
        scopeFilter(scope),
        // Segments of calls long ended (a late flush) are not Live news.
        notInArray(voiceCalls.status, [...TERMINAL_STATUSES]),
      ),
    )
    .orderBy(asc(transcriptSegments.createdAt), asc(transcriptSegments.callId), asc(transcriptSegments.seq))
    .limit(limit + 1);
  const complete = calls.length <= limit && segments.length <= limit;
  const callChanges: CallChange[] = calls
    .slice(0, limit)
    .map((row) => ({ siteId: row.siteId, at: row.updatedAt, call: toLiveCall(row) }));
  const segmentChanges: SegmentChange[] = segments
    .slice(0, limit)
    .map((r) => ({ siteId: r.siteId, at: r.createdAt, callId: r.callId, segment: toLiveSegment(r) }));
  return { calls: callChanges, segments: segmentChanges, complete };
}
