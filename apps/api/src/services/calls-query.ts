import type { CallStatus } from '@voicedesk/core';
import {
  callEvents,
  callMetrics,
  callParticipants,
  type Db,
  recordings,
  transcriptSegments,
  voiceCalls,
} from '@voicedesk/db';
import { and, asc, avg, count, desc, eq, gte, inArray, lt, lte, type SQL, sql, sum } from 'drizzle-orm';
import {
  HEADLINE_OPTIONS,
  MATCH_END,
  MATCH_START,
  type SnippetPart,
  splitHeadline,
  trimSnippet,
} from './search-snippet.ts';
import { listSegments } from './transcript.ts';

/** Which sites a caller may see: an agent's own, or every site (admins, API keys). */
export type SiteScope = readonly string[] | 'all';

export interface CallFilters {
  status?: CallStatus[] | undefined;
  siteId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  endReason?: string[] | undefined;
  /** Seconds, inclusive; calls without a duration (never connected, in progress) fall outside any bound. */
  minDuration?: number | undefined;
  maxDuration?: number | undefined;
  /** Full-text search over the transcript (web-search syntax: words, "a phrase", or, -word). */
  q?: string | undefined;
}

/**
 * The transcript's search language. 'simple' folds case and splits words but neither stems nor
 * drops stop words: callers speak whatever language their site takes, and an English stemmer would
 * mangle the others. It is the configuration of the generated column (migration 0000) and of its
 * GIN index, so the query must name the same one for the index to serve it.
 */
export const SEARCH_CONFIG = 'simple';

export const searchQuery = (q: string) => sql`websearch_to_tsquery(${sql.raw(`'${SEARCH_CONFIG}'`)}, ${q})`;

/**
 * How many calls a search checks newest first before it changes strategy. A common word fills a
 * page within them; a rare one does not, and its calls are then gathered from the GIN index.
 * Postgres cannot make this choice itself under LIMIT: it expects any word missing from its
 * statistics to fill the page quickly, and for a word nobody said it reads every call.
 */
export const SEARCH_WINDOW = 1_000;

const lineMatches = (q: string) => sql`${transcriptSegments.searchVector} @@ ${searchQuery(q)}`;

/**
 * The same test as `@@`, through its function, which no index can serve: for the lines of a few
 * known calls, read by primary key. With the operator, Postgres also read the GIN index for every
 * call (BitmapAnd) when it underestimated a phrase: 300k index entries per call, 8 s at 1M calls.
 */
const lineMatchesHere = (q: string) =>
  sql`ts_match_vq(${transcriptSegments.searchVector}, ${searchQuery(q)})`;

/** The call's transcript has a line matching the search (any plan: an aggregate may hash it). */
function transcriptMatches(q: string): SQL {
  return sql`exists (select 1 from ${transcriptSegments} where ${transcriptSegments.callId} = ${voiceCalls.id} and ${lineMatches(q)})`;
}

/**
 * The same test, made per call through the segments' primary key: `offset 0` keeps Postgres from
 * turning it into a join that first reads every matching line (it does so for phrases, whose
 * matches it underestimates: 0.6 s for "charged twice" at 100k calls).
 */
function lineMatchesFor(callId: SQL, q: string): SQL {
  return sql`exists (select 1 from ${transcriptSegments} where ${transcriptSegments.callId} = ${callId} and ${lineMatchesHere(q)} offset 0)`;
}

/** The calls with a matching line, from the GIN index: cheap when they are few. */
function gatheredMatches(q: string): SQL {
  return sql`${voiceCalls.id} = any(array(select ${transcriptSegments.callId} from ${transcriptSegments} where ${lineMatches(q)}))`;
}

function scopeWhere(scope: SiteScope): SQL | undefined {
  if (scope === 'all') return undefined;
  // No site at all: nothing may match (inArray with an empty list is not valid SQL).
  return scope.length ? inArray(voiceCalls.siteId, [...scope]) : sql`false`;
}

function whereOf(scope: SiteScope, filters: CallFilters): SQL | undefined {
  const parts: (SQL | undefined)[] = [scopeWhere(scope)];
  if (filters.status?.length) parts.push(inArray(voiceCalls.status, filters.status));
  if (filters.siteId) parts.push(eq(voiceCalls.siteId, filters.siteId));
  if (filters.from) parts.push(gte(voiceCalls.createdAt, filters.from));
  if (filters.to) parts.push(lte(voiceCalls.createdAt, filters.to));
  if (filters.endReason?.length) parts.push(inArray(voiceCalls.endReason, filters.endReason));
  if (filters.minDuration !== undefined) parts.push(gte(voiceCalls.durationSeconds, filters.minDuration));
  if (filters.maxDuration !== undefined) parts.push(lte(voiceCalls.durationSeconds, filters.maxDuration));
  if (filters.q) parts.push(transcriptMatches(filters.q));
  const present = parts.filter((p): p is SQL => p !== undefined);
  return present.length ? and(...present) : undefined;
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

const selectPage = (db: Db, where: SQL | undefined, limit: number) =>
  db.select(listColumns).from(voiceCalls).where(where).orderBy(desc(voiceCalls.id)).limit(limit);

export type CallListItem = Awaited<ReturnType<typeof selectPage>>[number] & {
  snippet?: SnippetPart[] | null;
};

/**
 * uuid v7 ids sort by creation time, so the last id seen is a stable cursor: the same filters
 * applied below it give the next page, whatever was inserted since. With `q`, each item carries
 * its best matching line as a snippet.
 */
export async function listCalls(
  db: Db,
  scope: SiteScope,
  filters: CallFilters,
  page: { limit: number; cursor?: string | undefined; searchWindow?: number },
): Promise<{ items: CallListItem[]; nextCursor: string | null }> {
  const { q, ...rest } = filters;
  const where = and(whereOf(scope, rest), page.cursor ? lt(voiceCalls.id, page.cursor) : undefined);
  const rows = q
    ? await searchPage(db, where, q, page.limit + 1, page.searchWindow ?? SEARCH_WINDOW)
    : await selectPage(db, where, page.limit + 1);
  const items = rows.slice(0, page.limit);
  const nextCursor = rows.length > page.limit ? (items.at(-1)?.id ?? null) : null;
  if (!q) return { items, nextCursor };
  const snippets = await bestLines(
    db,
    items.map((i) => i.id),
    q,
  );
  return { items: items.map((i) => ({ ...i, snippet: snippets.get(i.id) ?? null })), nextCursor };
}

/**
 * A page of matching calls: first the newest SEARCH_WINDOW calls that pass the other filters,
 * checked one by one; if they do not fill the page, the rest comes from below the window's last
 * call, gathered through the GIN index. Same order and same rows either way.
 */
async function searchPage(db: Db, where: SQL | undefined, q: string, limit: number, windowSize: number) {
  const window = db
    .select(listColumns)
    .from(voiceCalls)
    .where(where)
    .orderBy(desc(voiceCalls.id))
    .limit(windowSize)
    .as('recent');
  const found = await db
    .select()
    .from(window)
    .where(lineMatchesFor(sql`${window.id}`, q))
    .orderBy(desc(window.id))
    .limit(limit);
  if (found.length >= limit) return found;
  const [edge] = await db
    .select({ id: voiceCalls.id })
    .from(voiceCalls)
    .where(where)
    .orderBy(desc(voiceCalls.id))
    .offset(windowSize - 1)
    .limit(1);
  if (!edge) return found;
  const older = await selectPage(
    db,
    and(where, lt(voiceCalls.id, edge.id), gatheredMatches(q)),
    limit - found.length,
  );
  return [...found, ...older];
}

/** Per call, the line that matches best (then the earliest), highlighted by ts_headline. */
async function bestLines(db: Db, callIds: string[], q: string): Promise<Map<string, SnippetPart[]>> {
  if (callIds.length === 0) return new Map();
  const query = searchQuery(q);
  // Strip the marks from the text itself, so only ts_headline can place them.
  const plain = sql`replace(replace(${transcriptSegments.text}, ${MATCH_START}, ''), ${MATCH_END}, '')`;
  const rows = await db
    .selectDistinctOn([transcriptSegments.callId], {
      callId: transcriptSegments.callId,
      marked: sql<string>`ts_headline(${sql.raw(`'${SEARCH_CONFIG}'`)}, ${plain}, ${query}, ${HEADLINE_OPTIONS})`,
    })
    .from(transcriptSegments)
    .where(and(inArray(transcriptSegments.callId, callIds), lineMatchesHere(q)))
    .orderBy(
      transcriptSegments.callId,
      desc(sql`ts_rank(${transcriptSegments.searchVector}, ${query})`),
      asc(transcriptSegments.seq),
    );
  return new Map(rows.map((r) => [r.callId, trimSnippet(splitHeadline(r.marked))]));
}

export async function callStats(db: Db, scope: SiteScope, filters: CallFilters) {
  const where = whereOf(scope, filters);
  const [totals] = await db
    .select({
      total: count(),
      seconds: sum(voiceCalls.durationSeconds),
      average: avg(voiceCalls.durationSeconds),
    })
    .from(voiceCalls)
    .where(where);
  const byStatusRows = await db
    .select({ status: voiceCalls.status, n: count() })
    .from(voiceCalls)
    .where(where)
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

/** `forbidden`: the call exists but belongs to a site outside the caller's scope (a 403, not a 404). */
export async function callDetail(db: Db, scope: SiteScope, id: string) {
  const [call] = await db.select().from(voiceCalls).where(eq(voiceCalls.id, id));
  if (!call) return undefined;
  if (scope !== 'all' && !scope.includes(call.siteId)) return 'forbidden' as const;
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
