import { type Db, jsonParam } from '@voicedesk/db';
import { sql } from 'drizzle-orm';
import { z } from 'zod';

/**
 * The channel every API process listens on for the Live view. A notice names what changed by
 * id only; each listening process reads the row itself, so no transcript text travels through
 * NOTIFY (and its 8000-byte payload limit never matters).
 */
export const LIVE_CHANNEL = 'voicedesk_live';

const noticeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('call'), callId: z.string().uuid() }),
  z.object({ kind: z.literal('segment'), callId: z.string().uuid(), seqs: z.array(z.number().int()).min(1) }),
  z.object({ kind: z.literal('escalation'), escalationId: z.string().uuid() }),
  z.object({ kind: z.literal('callback'), callbackRequestId: z.string().uuid() }),
]);
export type LiveNotice = z.infer<typeof noticeSchema>;

/** What `db.execute` needs: the handle itself or the transaction the change is written in. */
type Executor = Pick<Db, 'execute'>;

/**
 * Sequence numbers per notice. A batch holds at most 500 segments (about 5.5 KB of numbers at
 * worst), under NOTIFY's 8000-byte limit already; splitting keeps it so if batches grow.
 */
const SEQS_PER_NOTICE = 400;

async function notify(db: Executor, notice: LiveNotice): Promise<void> {
  // Inside a transaction Postgres (and PGlite) delivers it at commit, and never on rollback.
  await db.execute(sql`select pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(notice)})`);
}

/** Several notices in one statement. */
async function notifyAll(db: Executor, notices: readonly LiveNotice[]): Promise<void> {
  if (notices.length === 0) return;
  const payloads = jsonParam(notices.map((notice) => JSON.stringify(notice)));
  await db.execute(sql`
    select pg_notify(${LIVE_CHANNEL}, payload) from jsonb_array_elements_text(${payloads}) as payload`);
}

/**
 * A call was created, or its status, phase or end changed. Call it from the place that writes
 * the row, in the same transaction when there is one; whoever starts writing `phase` calls it too.
 */
export function notifyCallChanged(db: Executor, callId: string): Promise<void> {
  return notify(db, { kind: 'call', callId });
}

/** Calls changed by one batch of events: one statement for all of them. */
export function notifyCallsChanged(db: Executor, callIds: readonly string[]): Promise<void> {
  return notifyAll(
    db,
    callIds.map((callId) => ({ kind: 'call', callId })),
  );
}

/** An escalation was offered, or it stopped ringing (accepted, declined by all, expired). */
export function notifyEscalationChanged(db: Executor, escalationId: string): Promise<void> {
  return notify(db, { kind: 'escalation', escalationId });
}

/** Escalations that stopped ringing together (their calls ended), in one statement. */
export function notifyEscalationsChanged(db: Executor, escalationIds: readonly string[]): Promise<void> {
  return notifyAll(
    db,
    escalationIds.map((escalationId) => ({ kind: 'escalation', escalationId })),
  );
}

/** A callback request was stored, claimed or closed. */
export function notifyCallbackChanged(db: Executor, callbackRequestId: string): Promise<void> {
  return notify(db, { kind: 'callback', callbackRequestId });
}

/** Segments of a call were stored (only the ones actually inserted, not replays). */
export async function notifySegmentsStored(
  db: Executor,
  callId: string,
  seqs: readonly number[],
): Promise<void> {
  for (let i = 0; i < seqs.length; i += SEQS_PER_NOTICE) {
    await notify(db, { kind: 'segment', callId, seqs: seqs.slice(i, i + SEQS_PER_NOTICE) });
  }
}

export function parseLiveNotice(payload: string): LiveNotice | undefined {
  try {
    const parsed = noticeSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
