import type { Segment } from '@voicedesk/core';
import { type Db, transcriptSegments, voiceCalls } from '@voicedesk/db';
import { asc, eq, type SQL, sql } from 'drizzle-orm';
import { notifySegmentsStored } from './live/notify.ts';

/**
 * Idempotent by (call_id, seq): the agent retries until acknowledged, so replays are expected.
 * The Live view hears of the segments actually inserted, at commit (see services/live/notify.ts).
 */
export async function appendSegments(db: Db, callId: string, segments: Segment[]): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .insert(transcriptSegments)
      .values(
        segments.map((s) => ({
          callId,
          seq: s.seq,
          speaker: s.speaker,
          text: s.text,
          startedAt: new Date(s.startedAt),
          endedAt: new Date(s.endedAt),
          language: s.language ?? null,
          source: s.source,
        })),
      )
      .onConflictDoNothing({ target: [transcriptSegments.callId, transcriptSegments.seq] })
      .returning({ seq: transcriptSegments.seq });
    if (rows.length > 0)
      await notifySegmentsStored(
        tx,
        callId,
        rows.map((r) => r.seq),
      );
    return rows.length;
  });
}

export async function listSegments(db: Db, callId: string) {
  return db
    .select({
      seq: transcriptSegments.seq,
      speaker: transcriptSegments.speaker,
      text: transcriptSegments.text,
      startedAt: transcriptSegments.startedAt,
      endedAt: transcriptSegments.endedAt,
      language: transcriptSegments.language,
      source: transcriptSegments.source,
    })
    .from(transcriptSegments)
    .where(eq(transcriptSegments.callId, callId))
    .orderBy(asc(transcriptSegments.seq));
}

/**
 * The call's transcript export (`voice_calls.transcript`) as SQL, from its stored lines in order,
 * each instant as JavaScript writes it (UTC, milliseconds). SQL rather than JavaScript so that
 * the transaction ending a call freezes it in the statement that rewrites the row.
 */
export function transcriptExportOf(callId: SQL): SQL {
  const instant = (column: SQL) =>
    sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return sql`(
    select jsonb_build_object('segments', coalesce(jsonb_agg(jsonb_build_object(
      'seq', s.seq, 'speaker', s.speaker, 'text', s.text,
      'startedAt', ${instant(sql`s.started_at`)}, 'endedAt', ${instant(sql`s.ended_at`)}
    ) order by s.seq), '[]'::jsonb))
    from ${transcriptSegments} as s where s.call_id = ${callId})`;
}

/** Rebuilds the export whenever lines land on a call that has ended (its end froze it). */
export async function assembleTranscript(db: Db, callId: string): Promise<void> {
  await db.execute(
    sql`update ${voiceCalls} set transcript = ${transcriptExportOf(sql`${callId}::uuid`)} where id = ${callId}`,
  );
}
