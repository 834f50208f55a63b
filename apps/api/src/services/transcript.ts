import type { Segment } from '@voicedesk/core';
import { type Db, transcriptSegments, voiceCalls } from '@voicedesk/db';
import { asc, eq } from 'drizzle-orm';
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

/** The export copy on the call row; rebuilt whenever segments land on an ended call. */
export async function assembleTranscript(db: Db, callId: string): Promise<void> {
  const segments = await listSegments(db, callId);
  await db
    .update(voiceCalls)
    .set({
      transcript: {
        segments: segments.map((s) => ({
          seq: s.seq,
          speaker: s.speaker,
          text: s.text,
          startedAt: s.startedAt.toISOString(),
          endedAt: s.endedAt.toISOString(),
        })),
      },
    })
    .where(eq(voiceCalls.id, callId));
}
