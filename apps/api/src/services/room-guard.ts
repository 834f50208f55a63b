import {
  type ParticipantKind,
  RECORDER_IDENTITY_PREFIX,
  STAFF_IDENTITY_PREFIX,
  visitorIdentity,
} from '@voicedesk/core';
import { escalations } from '@voicedesk/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';

/** Who may be in a call's room now: its visitor, the assistant, its recorder, and the staff member holding it. */
export async function mayBeInRoom(
  deps: AppDeps,
  callId: string,
  participant: { identity: string; kind: ParticipantKind },
): Promise<boolean> {
  if (participant.kind === 'ai') return true;
  if (participant.identity === visitorIdentity(callId)) return true;
  if (participant.identity === `${RECORDER_IDENTITY_PREFIX}${callId}`) return true;
  if (!participant.identity.startsWith(STAFF_IDENTITY_PREFIX)) return false;
  // A staff member's token outlives their turn (a hand-back, a second escalation taken by
  // someone else): only whoever holds the call now may be in it.
  const [held] = await deps.database.db
    .select({ acceptedBy: escalations.acceptedBy })
    .from(escalations)
    .where(
      and(eq(escalations.callId, callId), eq(escalations.status, 'accepted'), isNull(escalations.endedAt)),
    );
  return held?.acceptedBy != null && participant.identity === `${STAFF_IDENTITY_PREFIX}${held.acceptedBy}`;
}

/**
 * A join (webhook or the agent's witness) of anyone the call does not allow is answered by
 * sending them out of the room. Logged by kind only: identities and names are nobody's business
 * in the log.
 */
export async function refuseStranger(
  deps: AppDeps,
  call: { id: string; roomName: string },
  participant: { identity: string; kind: ParticipantKind },
): Promise<boolean> {
  if (await mayBeInRoom(deps, call.id, participant)) return false;
  deps.logger.warn(
    { callId: call.id, kind: participant.kind },
    'refused a participant the call does not allow',
  );
  await deps.livekit.removeParticipant(call.roomName, participant.identity).catch((err: unknown) => {
    deps.logger.warn({ callId: call.id, ...errorFacts(err) }, 'refused participant could not be removed');
  });
  return true;
}
