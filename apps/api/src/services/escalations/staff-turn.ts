import { AppError, type HandBackCause, isTerminal, STAFF_IDENTITY_PREFIX } from '@voicedesk/core';
import { escalations, voiceCalls } from '@voicedesk/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppDeps } from '../../deps.ts';
import { errorFacts } from '../../errors.ts';
import { applyCallEvent } from '../apply-call-event.ts';
import { applyPhaseEvent } from '../call-phase.ts';
import type { StaffScope } from '../staff/staff-scope.ts';
import { actorOf, seesSite } from '../staff/staff-scope.ts';

/** An accepted escalation whose staff member has not given the call back yet. */
export interface HeldEscalation {
  id: string;
  acceptedBy: string | null;
}

/** The call and who holds it; 404 when the caller may not see its site (it does not exist for them). */
async function callWithHolder(deps: AppDeps, staff: StaffScope, callId: string) {
  const [call] = await deps.database.db
    .select({
      id: voiceCalls.id,
      roomName: voiceCalls.roomName,
      siteId: voiceCalls.siteId,
      status: voiceCalls.status,
      phase: voiceCalls.phase,
    })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  if (!call || !seesSite(staff, call.siteId)) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  const [held] = await deps.database.db
    .select({ id: escalations.id, acceptedBy: escalations.acceptedBy })
    .from(escalations)
    .where(
      and(eq(escalations.callId, callId), eq(escalations.status, 'accepted'), isNull(escalations.endedAt)),
    );
  return { call, held: held as HeldEscalation | undefined };
}

const notWithStaff = (phase: string) =>
  new AppError(409, 'not_with_staff', `no staff member has this call now (it is with: ${phase})`, 'id');

/** Only the staff member who took the call, or an admin, may give it back or end it. */
function assertMayAct(staff: StaffScope, held: HeldEscalation | undefined): void {
  if (staff.role === 'admin' || (held !== undefined && held.acceptedBy === staff.id)) return;
  throw new AppError(
    403,
    'forbidden',
    'only the staff member who took this call, or an admin, may do this',
    'id',
  );
}

/**
 * A staff member's turn ends with the call still going: the assistant answers again. The
 * `handed_back` step moves the phase and ends the escalation in one transaction
 * (call-lifecycle.ts); the staff member is then sent out of the room (they hold nothing there
 * any more).
 */
export async function endStaffTurn(
  deps: AppDeps,
  call: { id: string; roomName: string },
  held: HeldEscalation,
  cause: HandBackCause,
  now: Date,
): Promise<void> {
  await applyPhaseEvent(deps, call.id, {
    type: 'handed_back',
    at: now.getTime(),
    escalationId: held.id,
    cause,
  });
  if (held.acceptedBy) {
    await deps.livekit
      .removeParticipant(call.roomName, `${STAFF_IDENTITY_PREFIX}${held.acceptedBy}`)
      .catch((err: unknown) =>
        deps.logger.warn({ callId: call.id, ...errorFacts(err) }, 'staff member not removed after hand-back'),
      );
  }
}

/** `POST /v1/calls/:id/hand-back`: the staff member (or an admin) gives the call back to the assistant. */
export async function handBackCall(
  deps: AppDeps,
  staff: StaffScope,
  callId: string,
): Promise<{ phase: 'ai' }> {
  const { call, held } = await callWithHolder(deps, staff, callId);
  if (isTerminal(call.status) || call.phase !== 'human' || !held) throw notWithStaff(call.phase);
  assertMayAct(staff, held);
  await endStaffTurn(deps, call, held, 'staff', deps.now?.() ?? new Date());
  return { phase: 'ai' };
}

/**
 * `POST /v1/calls/:id/end` by staff: the call ends for everyone (`staff_ended`) through its event
 * log, whose end jobs delete the room. The staff member holding it may; an admin may end any live
 * call of theirs.
 */
export async function endCallByStaff(
  deps: AppDeps,
  staff: StaffScope,
  callId: string,
): Promise<{ callId: string; status: string }> {
  const { call, held } = await callWithHolder(deps, staff, callId);
  if (isTerminal(call.status)) {
    throw new AppError(409, 'call_not_active', `the call has already ended (${call.status})`, 'id');
  }
  if (staff.role !== 'admin' && (call.phase !== 'human' || !held)) throw notWithStaff(call.phase);
  assertMayAct(staff, held);
  const now = deps.now?.() ?? new Date();
  const outcome = await applyCallEvent(deps, {
    eventId: `api:staff_end:${call.id}`,
    type: 'call_ended',
    source: 'api',
    callId: call.id,
    createdAt: now,
    lifecycle: { type: 'call_ended', at: now.getTime(), reason: 'staff_ended' },
    payload: { reason: 'staff_ended', by: actorOf(staff) },
  });
  return { callId: call.id, status: outcome.projection?.status ?? call.status };
}
