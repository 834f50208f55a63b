import type { PhaseEvent, RoomState } from '@voicedesk/core';
import { escalations, staffUsers } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';

/** After a failed write: a LiveKit blip should not leave the worker and widget on a stale phase. */
const RETRY_DELAYS_MS = [500, 2_000, 5_000];

/** What the room says once `event` has moved the call's phase (contract: packages/core room-state.ts). */
export function roomStateAfter(event: PhaseEvent, staffName?: string): RoomState {
  switch (event.type) {
    case 'escalation_requested':
      return { phase: 'waiting_human', escalationId: event.escalationId };
    case 'escalation_accepted':
      return { phase: 'human', escalationId: event.escalationId, ...(staffName ? { staffName } : {}) };
    case 'escalation_unanswered':
      return { phase: 'ai', escalationId: event.escalationId, outcome: event.outcome };
    case 'handed_back':
      return { phase: 'ai', escalationId: event.escalationId, outcome: event.cause };
  }
}

/** The first word of the name of whoever took the escalation: all the visitor is shown of them. */
export async function staffFirstName(deps: AppDeps, escalationId: string): Promise<string | undefined> {
  const [row] = await deps.database.db
    .select({ name: staffUsers.name })
    .from(escalations)
    .innerJoin(staffUsers, eq(staffUsers.id, escalations.acceptedBy))
    .where(eq(escalations.id, escalationId));
  const first = row?.name.trim().split(/\s+/)[0];
  return first ? first.slice(0, 80) : undefined;
}

/** The newest state handed to each room by this process: a retry of an older one gives way to it. */
const newest = new Map<string, number>();
let written = 0;

const roomGone = (err: unknown) => /not found|404|does not exist/i.test(String(err));

/**
 * Writes the room's metadata. The first attempt is awaited, so whoever changed the phase returns
 * once the room says so; a failure is logged and retried a few times in the background, never
 * thrown: the phase change itself is already stored in the call's log.
 */
export async function publishRoomState(
  deps: AppDeps,
  call: { id: string; roomName: string },
  state: RoomState,
): Promise<void> {
  const generation = ++written;
  newest.set(call.roomName, generation);
  const metadata = JSON.stringify(state);
  const attempt = async (n: number): Promise<void> => {
    if (newest.get(call.roomName) !== generation) return;
    try {
      await deps.livekit.setRoomMetadata(call.roomName, metadata);
      if (newest.get(call.roomName) === generation) newest.delete(call.roomName);
    } catch (err) {
      const delay = RETRY_DELAYS_MS[n];
      const final = delay === undefined || roomGone(err);
      deps.logger.warn(
        { callId: call.id, phase: state.phase, attempt: n + 1, final, ...errorFacts(err) },
        'room state not written',
      );
      if (final) {
        if (newest.get(call.roomName) === generation) newest.delete(call.roomName);
        return;
      }
      setTimeout(() => void attempt(n + 1), delay).unref();
    }
  };
  await attempt(0);
}
