import { type Db, transcriptSegments } from '@voicedesk/db';
import { desc, eq } from 'drizzle-orm';

const SUMMARY_LINES = 6;
const SUMMARY_MAX_CHARS = 1200;
const LABELS: Record<string, string> = { visitor: 'Visitor', ai: 'Assistant', staff: 'Staff' };

/**
 * What staff read on the offer: the transcript's last lines, oldest first. Written here from
 * what was stored, never from the agent's tool arguments, which the visitor's browser sees.
 */
export async function summaryFromTranscript(db: Db, callId: string): Promise<string> {
  const rows = await db
    .select({ speaker: transcriptSegments.speaker, text: transcriptSegments.text })
    .from(transcriptSegments)
    .where(eq(transcriptSegments.callId, callId))
    .orderBy(desc(transcriptSegments.startedAt), desc(transcriptSegments.seq))
    .limit(SUMMARY_LINES);
  const text = rows
    .reverse()
    .map((r) => `${LABELS[r.speaker] ?? r.speaker}: ${r.text.trim()}`)
    .join('\n');
  // Keep the end: the latest lines say why the visitor wants a person.
  return text.length > SUMMARY_MAX_CHARS ? `…${text.slice(-SUMMARY_MAX_CHARS)}` : text;
}
