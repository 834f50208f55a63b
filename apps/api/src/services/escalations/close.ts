import { type Db, escalations, jsonParam, rowsOf } from '@voicedesk/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { notifyEscalationsChanged } from '../live/notify.ts';

/**
 * Calls ended: an offer still ringing for one stops (`closed`, and every dashboard hears
 * `offer_closed`), and a staff member's turn on one is over. Run in the transaction that stored
 * the ends, so no offer is left ringing for a call that is gone; one statement for every call a
 * batch of events ended (an escalation is ringing or accepted, never both). The calls go in as
 * an array as well as a join: PostgreSQL takes a JSON list for 100 rows and would scan the table.
 */
export async function closeEscalationsOfEndedCalls(
  tx: Pick<Db, 'execute'>,
  ended: readonly { callId: string; at: Date }[],
): Promise<void> {
  if (ended.length === 0) return;
  const calls = jsonParam(ended.map(({ callId, at }) => ({ call_id: callId, at: at.toISOString() })));
  const result = await tx.execute(sql`
    with ended as materialized (
      select * from jsonb_to_recordset(${calls}) as x(call_id uuid, at timestamptz)
    ), closed as (
      update ${escalations} as e set status = 'closed', ended_at = ended.at
      from ended
      where e.call_id = any(array(select call_id from ended)) and e.call_id = ended.call_id
        and e.status = 'ringing'
      returning e.id
    ), finished as (
      update ${escalations} as e set ended_at = ended.at
      from ended
      where e.call_id = any(array(select call_id from ended)) and e.call_id = ended.call_id
        and e.status = 'accepted' and e.ended_at is null
      returning e.id
    )
    select id from closed`);
  await notifyEscalationsChanged(
    tx,
    rowsOf<{ id: string }>(result).map((row) => row.id),
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
