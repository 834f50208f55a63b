import { participantKindOf, STAFF_IDENTITY_PREFIX } from '@voicedesk/core';
import { callParticipants, escalations, voiceCalls } from '@voicedesk/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppDeps } from '../../deps.ts';
import { errorFacts } from '../../errors.ts';
import { applyCallEvent } from '../apply-call-event.ts';
import { endStaffTurn } from './staff-turn.ts';

/**
 * A staff member who took a call but never joined its room (the browser failed between the
 * accept and the join) is given at least this long: the dashboard joins within seconds, and a
 * short rejoin grace set for tests must not take calls from people still connecting.
 */
const NEVER_JOINED_MIN_SECONDS = 60;
const PAGE = 100;

/**
 * The sweeper: a staff member who left the room of the call they hold (a closed tab, a dropped
 * connection) and has not come back within STAFF_REJOIN_GRACE_SECONDS gives it back to the
 * assistant (`handed_back`, cause `staff_left`). Before deciding, LiveKit is asked whether they
 * are in the room after all (a rejoin whose webhook was lost); when it cannot be asked, the
 * next sweep decides.
 */
export async function handBackAbandonedCalls(deps: AppDeps, now: Date): Promise<number> {
  const db = deps.database.db;
  const graceMs = deps.config.escalation.staffRejoinGraceSeconds * 1000;
  const held = await db
    .select({
      id: escalations.id,
      acceptedBy: escalations.acceptedBy,
      acceptedAt: escalations.acceptedAt,
      callId: voiceCalls.id,
      roomName: voiceCalls.roomName,
    })
    .from(escalations)
    .innerJoin(voiceCalls, eq(voiceCalls.id, escalations.callId))
    .where(
      and(
        eq(escalations.status, 'accepted'),
        isNull(escalations.endedAt),
        eq(voiceCalls.status, 'connected'),
        eq(voiceCalls.phase, 'human'),
      ),
    )
    .limit(PAGE);
  let handedBack = 0;
  for (const e of held) {
    if (!e.acceptedBy || !e.acceptedAt) continue;
    const identity = `${STAFF_IDENTITY_PREFIX}${e.acceptedBy}`;
    const spans = await db
      .select({ leftAt: callParticipants.leftAt })
      .from(callParticipants)
      .where(and(eq(callParticipants.callId, e.callId), eq(callParticipants.identity, identity)));
    if (spans.some((s) => s.leftAt === null)) continue;
    // Only leaves since the accept count: an earlier turn of the same person is over.
    const acceptedAt = e.acceptedAt.getTime();
    const leaves = spans.map((s) => s.leftAt?.getTime() ?? 0).filter((at) => at >= acceptedAt);
    const dueAt =
      leaves.length > 0
        ? Math.max(...leaves) + graceMs
        : acceptedAt + Math.max(graceMs, NEVER_JOINED_MIN_SECONDS * 1000);
    if (now.getTime() < dueAt) continue;
    const present = await deps.livekit.roomParticipants(e.roomName).catch((err: unknown) => {
      deps.logger.warn({ callId: e.callId, ...errorFacts(err) }, 'cannot ask whether staff rejoined');
      return undefined;
    });
    if (present === undefined || present === null) continue;
    const back = present.find((p) => p.identity === identity);
    if (back) {
      // Their rejoin's webhook was lost: record it, so the call shows them there.
      await applyCallEvent(deps, {
        eventId: `reconcile:join:${back.sid}`,
        type: 'participant_joined',
        source: 'sweeper',
        callId: e.callId,
        createdAt: new Date(back.joinedAtMs || now.getTime()),
        lifecycle: {
          type: 'participant_joined',
          at: back.joinedAtMs || now.getTime(),
          sid: back.sid,
          identity: back.identity,
          name: back.name,
          kind: participantKindOf(back.identity, back.isAgent),
        },
        payload: { reconciled: true },
      });
      continue;
    }
    deps.logger.info(
      { callId: e.callId, escalationId: e.id },
      'staff member left the call: assistant takes over',
    );
    await endStaffTurn(deps, { id: e.callId, roomName: e.roomName }, e, 'staff_left', now);
    handedBack++;
  }
  return handedBack;
}
