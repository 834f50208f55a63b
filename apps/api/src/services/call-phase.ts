import type { PhaseEvent } from '@voicedesk/core';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { applyCallEvent } from './apply-call-event.ts';
import type { CallEventOutcome } from './call-lifecycle.ts';
import { publishRoomState, roomStateAfter, staffFirstName } from './room-state.ts';

/**
 * Appends an escalation step to the call's event log; the projection decides the phase from it
 * (packages/core/src/lifecycle.ts, rule 6), so `voice_calls.phase` is written nowhere else.
 * Each step happens at most once per escalation, so its id is the step: a retry, or a second
 * process noticing the same expiry, is stored once.
 */
export async function applyPhaseEvent(
  deps: AppDeps,
  callId: string,
  event: PhaseEvent,
  source: 'api' | 'agent' = 'api',
): Promise<CallEventOutcome> {
  const { type, at, ...payload } = event;
  const outcome = await applyCallEvent(deps, {
    eventId: `escalation:${event.escalationId}:${type}`,
    type,
    source,
    callId,
    createdAt: new Date(at),
    lifecycle: event,
    payload,
  });
  if (phaseChanged(outcome)) {
    deps.logger.info(
      { callId, escalationId: event.escalationId, phase: outcome.projection?.phase },
      'call phase changed',
    );
    // The room tells the worker and the widget; written here only, when the phase moved.
    if (outcome.roomName) {
      // Without a name the room still says `human`: the phase matters more than who.
      const staffName =
        event.type === 'escalation_accepted'
          ? await staffFirstName(deps, event.escalationId).catch((err: unknown) => {
              deps.logger.warn({ callId, ...errorFacts(err) }, 'staff name not read for the room');
              return undefined;
            })
          : undefined;
      await publishRoomState(
        deps,
        { id: callId, roomName: outcome.roomName },
        roomStateAfter(event, staffName),
      );
    }
  }
  return outcome;
}

/** True when the event moved the call's phase (a duplicate or a no-op step did not). */
export function phaseChanged(outcome: CallEventOutcome): boolean {
  return outcome.projection !== undefined && outcome.projection.phase !== outcome.previousPhase;
}
