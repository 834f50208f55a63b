import { type Db, escalations } from '@voicedesk/db';
import { and, eq, isNull } from 'drizzle-orm';
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
