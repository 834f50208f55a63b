import { type Db, newId, sites, transcriptSegments, voiceCalls } from '@voicedesk/db';

/** A site row with the defaults a test does not care about. */
export async function insertSite(db: Db, name: string): Promise<string> {
  const id = newId();
  await db.insert(sites).values({
    id,
    publicKey: `pk_${name.replace(/\W/g, '_')}_${id.slice(-8)}`,
    name,
    instructions: 'Be helpful.',
    greeting: 'Hello.',
    theme: { buttonLabel: 'Call', color: '#000000', position: 'bottom-right' },
  });
  return id;
}

export interface CallRowSpec {
  siteId: string;
  createdAt?: Date;
  status?: 'completed' | 'missed' | 'failed' | 'connected';
  endReason?: string | null;
  durationSeconds?: number | null;
  lines?: string[];
}

/** An ended call written straight to the database, its transcript alternating visitor and assistant. */
export async function insertCallRow(db: Db, spec: CallRowSpec): Promise<string> {
  const id = newId();
  const createdAt = spec.createdAt ?? new Date();
  await db.insert(voiceCalls).values({
    id,
    roomName: `call-${id}`,
    siteId: spec.siteId,
    callerIdentity: `visitor-${id}`,
    status: spec.status ?? 'completed',
    joinDeadline: createdAt,
    startedAt: createdAt,
    endedAt: createdAt,
    durationSeconds: spec.durationSeconds === undefined ? 60 : spec.durationSeconds,
    endReason: spec.endReason === undefined ? 'visitor_hung_up' : spec.endReason,
    createdAt,
  });
  const lines = spec.lines ?? [];
  if (lines.length) {
    await db.insert(transcriptSegments).values(
      lines.map((text, seq) => ({
        callId: id,
        seq,
        speaker: seq % 2 === 0 ? 'ai' : 'visitor',
        text,
        startedAt: new Date(createdAt.getTime() + seq * 3_000),
        endedAt: new Date(createdAt.getTime() + seq * 3_000 + 2_500),
        source: 'realtime' as const,
      })),
    );
  }
  return id;
}
