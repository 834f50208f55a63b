import { type Db, escalations } from '@voicedesk/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { notifyEscalationChanged } from '../live/notify.ts';

/**
 * The call ended: an offer still ringing for it stops (`closed`, and every dashboard hears
 * `offer_closed`), and a staff member's turn on it is over. Run in the transaction that stored
 * the end, so no offer is left ringing for a call that is gone.
 */
export async function closeEscalationsOfEndedCall(
  tx: Pick<Db, 'update' | 'execute'>,
  callId: string,
  now: Date,
): Promise<void> {
  const closed = await tx
    .update(escalations)
    .set({ status: 'closed', endedAt: now })
    .where(and(eq(escalations.callId, callId), eq(escalations.status, 'ringing')))
    .returning({ id: escalations.id });
  for (const row of closed) await notifyEscalationChanged(tx, row.id);
  await tx
    .update(escalations)
    .set({ endedAt: now })
    .where(
      and(eq(escalations.callId, callId), eq(escalations.status, 'accepted'), isNull(escalations.endedAt)),
    );
}

/**
 * The staff member's turn is over (`handed_back`): the escalation ends in the transaction that
 * stored the step, so the call is never `ai` while its escalation still counts as open (which
 * would refuse the assistant's next request for a person, one open escalation per call). The id
 * is compared as text: the log's escalation id is whatever the step carried.
 */
export async function endHandedBackEscalation(
  tx: Pick<Db, 'update'>,
  callId: string,
  escalationId: string,
  at: Date,
): Promise<void> {
  await tx
    .update(escalations)
    .set({ endedAt: at })
    .where(
      and(
        eq(escalations.callId, callId),
        sql`${escalations.id}::text = ${escalationId}`,
        eq(escalations.status, 'accepted'),
        isNull(escalations.endedAt),
      ),
    );
}
