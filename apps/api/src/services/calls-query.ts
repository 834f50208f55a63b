import type { CallStatus } from '@voicedesk/core';
import { callEvents, callMetrics, callParticipants, type Db, recordings, voiceCalls } from '@voicedesk/db';
import { and, asc, avg, count, desc, eq, gte, inArray, lt, lte, type SQL, sql, sum } from 'drizzle-orm';
import { listSegments } from './transcript.ts';

export interface CallFilters {
  status?: CallStatus[] | undefined;
  siteId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** The caller's sites (an agent's); 'all' or absent: every site. */
  siteIds?: readonly string[] | 'all' | undefined;
}

function whereOf(filters: CallFilters): SQL | undefined {
  const parts: SQL[] = [];
  if (filters.status?.length) parts.push(inArray(voiceCalls.status, filters.status));
  if (filters.siteId) parts.push(eq(voiceCalls.siteId, filters.siteId));
  if (filters.from) parts.push(gte(voiceCalls.createdAt, filters.from));
  if (filters.to) parts.push(lte(voiceCalls.createdAt, filters.to));
  if (filters.siteIds !== undefined && filters.siteIds !== 'all') {
    parts.push(filters.siteIds.length ? inArray(voiceCalls.siteId, [...filters.siteIds]) : sql`false`);
  }
  return parts.length ? and(...parts) : undefined;
}

const listColumns = {
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
};

/** uuid v7 ids sort by creation time, so the last id seen is a stable cursor. */
export async function listCalls(
  db: Db,
  filters: CallFilters,
  page: { limit: number; cursor?: string | undefined },
) {
  const where = and(whereOf(filters), page.cursor ? lt(voiceCalls.id, page.cursor) : undefined);
  const rows = await db
    .select(listColumns)
    .from(voiceCalls)
    .where(where)
    .orderBy(desc(voiceCalls.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const nextCursor = rows.length > page.limit ? (items.at(-1)?.id ?? null) : null;
  return { items, nextCursor };
}

export async function callStats(db: Db, filters: CallFilters) {
  const [totals] = await db
    .select({
      total: count(),
      seconds: sum(voiceCalls.durationSeconds),
      average: avg(voiceCalls.durationSeconds),
    })
    .from(voiceCalls)
    .where(whereOf(filters));
  const byStatusRows = await db
    .select({ status: voiceCalls.status, n: count() })
    .from(voiceCalls)
    .where(whereOf(filters))
    .groupBy(voiceCalls.status);
  const byStatus = Object.fromEntries(byStatusRows.map((r) => [r.status, r.n]));
  const total = totals?.total ?? 0;
  const ended = (byStatus.completed ?? 0) + (byStatus.missed ?? 0) + (byStatus.failed ?? 0);
  return {
    total,
    byStatus,
    totalMinutes: Math.round((Number(totals?.seconds ?? 0) / 60) * 10) / 10,
    averageDurationSeconds: totals?.average == null ? null : Math.round(Number(totals.average)),
    missedRate: ended === 0 ? 0 : Math.round(((byStatus.missed ?? 0) / ended) * 1000) / 1000,
  };
}

/** An onset this far from a line's own timestamp belongs to another line. */
const SNAP_WINDOW_MS = 800;

/**
 * A line's offset in the recording: its timestamp, moved to the nearest onset of speech on its
 * speaker's channel (visitor left, assistant and staff right) when one is near. The timestamps
 * come from the assistant's audio pipeline and lead or trail the audio by a few hundred ms.
 */
export function placeInRecording(
  offsetMs: number,
  speaker: string,
  onsets: { left: number[]; right: number[] } | null,
): number {
  const channel = speaker === 'visitor' ? onsets?.left : onsets?.right;
  let best = offsetMs;
  let distance = SNAP_WINDOW_MS + 1;
  for (const onset of channel ?? []) {
    const d = Math.abs(onset - offsetMs);
    if (d < distance) [best, distance] = [onset, d];
  }
  return Math.max(0, Math.round(best));
}

export async function callDetail(db: Db, id: string) {
  const [call] = await db.select().from(voiceCalls).where(eq(voiceCalls.id, id));
  if (!call) return undefined;
  const [participants, segments, events, metrics, [recording]] = await Promise.all([
    db
      .select({
        identity: callParticipants.identity,
        kind: callParticipants.kind,
        name: callParticipants.name,
        joinedAt: callParticipants.joinedAt,
        leftAt: callParticipants.leftAt,
        durationSeconds: callParticipants.durationSeconds,
      })
      .from(callParticipants)
      .where(eq(callParticipants.callId, id))
      .orderBy(asc(callParticipants.joinedAt)),
    listSegments(db, id),
    db
      .select({
        eventId: callEvents.eventId,
        type: callEvents.type,
        source: callEvents.source,
        createdAt: callEvents.createdAt,
        receivedAt: callEvents.receivedAt,
        payload: callEvents.payload,
      })
      .from(callEvents)
      .where(eq(callEvents.callId, id))
      .orderBy(asc(callEvents.createdAt), asc(callEvents.receivedAt)),
    db
      .select({ turn: callMetrics.turn, kind: callMetrics.kind, values: callMetrics.values })
      .from(callMetrics)
      .where(eq(callMetrics.callId, id))
      .orderBy(asc(callMetrics.turn), asc(callMetrics.kind)),
    db
      .select({
        mode: recordings.mode,
        status: recordings.status,
        contentType: recordings.contentType,
        codec: recordings.codec,
        bytes: recordings.bytes,
        durationMs: recordings.durationMs,
        startedAt: recordings.startedAt,
        endedAt: recordings.endedAt,
        error: recordings.error,
        speechOnsets: recordings.speechOnsets,
      })
      .from(recordings)
      .where(eq(recordings.callId, id)),
  ]);
  const { transcript: _export, metadata, ...row } = call;
  // Where each line was said in the audio: a player seeks there when the line is clicked.
  const origin = recording?.startedAt?.getTime();
  const placed = segments.map((seg) => ({
    ...seg,
    offsetMs:
      origin === undefined
        ? null
        : placeInRecording(seg.startedAt.getTime() - origin, seg.speaker, recording?.speechOnsets ?? null),
  }));
  const { speechOnsets: _onsets, ...recordingInfo } = recording ?? { speechOnsets: null };
  return {
    ...row,
    metadata,
    participants,
    segments: placed,
    events,
    metrics,
    recording: recording ? recordingInfo : null,
  };
}
