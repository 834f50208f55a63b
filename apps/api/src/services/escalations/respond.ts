import { AppError, type EscalationMiss, STAFF_IDENTITY_PREFIX, TERMINAL_STATUSES } from '@voicedesk/core';
import { escalationDeclines, escalations, staffUsers, voiceCalls } from '@voicedesk/db';
import { and, eq, gt, inArray, lte } from 'drizzle-orm';
import type { AppDeps } from '../../deps.ts';
import { audit } from '../audit.ts';
import { applyPhaseEvent } from '../call-phase.ts';
import { notifyEscalationChanged } from '../live/notify.ts';
import type { StaffScope } from '../staff/staff-scope.ts';
import { actorOf, seesSite } from '../staff/staff-scope.ts';
import { availableStaffOf } from './availability.ts';

/** How long a staff member's room token may be used to join: the call's own limit bounds the stay. */
const STAFF_TOKEN_TTL_SECONDS = 600;

/** The escalation, if the caller may see its site; 404 otherwise (another site's offers do not exist for them). */
async function visibleEscalation(deps: AppDeps, staff: StaffScope, id: string) {
  const [row] = await deps.database.db
    .select({
      id: escalations.id,
      callId: escalations.callId,
      siteId: escalations.siteId,
      status: escalations.status,
      acceptedBy: escalations.acceptedBy,
    })
    .from(escalations)
    .where(eq(escalations.id, id));
  if (!row || !seesSite(staff, row.siteId)) {
    throw new AppError(404, 'escalation_not_found', 'no such escalation', 'id');
  }
  return row;
}

function refusal(status: string): AppError {
  return status === 'accepted'
    ? new AppError(409, 'escalation_taken', 'another staff member took this call', 'id')
    : new AppError(409, 'escalation_closed', `this offer is no longer ringing (${status})`, 'id');
}

export interface AcceptedEscalation {
  token: string;
  livekitUrl: string;
  roomName: string;
  /** What the staff member's hand-back and end requests name. */
  callId: string;
}

/**
 * The first staff member to accept wins: one conditional UPDATE decides, so two API processes
 * answering at the same instant cannot both succeed. The winner gets a token for that room only.
 */
export async function acceptEscalation(
  deps: AppDeps,
  staff: StaffScope & { id: string },
  id: string,
): Promise<AcceptedEscalation> {
  const row = await visibleEscalation(deps, staff, id);
  const now = deps.now?.() ?? new Date();
  const won = await deps.database.db.transaction(async (tx) => {
    const rows = await tx
      .update(escalations)
      .set({ status: 'accepted', acceptedBy: staff.id, acceptedAt: now })
      // Past its countdown it is over even before the sweeper has said so.
      .where(and(eq(escalations.id, id), eq(escalations.status, 'ringing'), gt(escalations.expiresAt, now)))
      .returning({ id: escalations.id });
    if (rows.length > 0) await notifyEscalationChanged(tx, id);
    return rows.length > 0;
  });
  if (!won) {
    const [current] = await deps.database.db
      .select({ status: escalations.status })
      .from(escalations)
      .where(eq(escalations.id, id));
    throw refusal(current?.status ?? row.status);
  }
  const outcome = await applyPhaseEvent(deps, row.callId, {
    type: 'escalation_accepted',
    at: now.getTime(),
    escalationId: id,
  });
  if (outcome.projection !== undefined && outcome.projection.phase !== 'human') {
    // The call ended (or was otherwise taken out of waiting) while the offer rang: nothing to join.
    await cancel(deps, id, now);
    throw new AppError(409, 'escalation_closed', 'the call ended before it could be taken', 'id');
  }
  await audit(deps.database.db, {
    actor: actorOf(staff),
    action: 'escalation.accept',
    callId: row.callId,
    details: { escalationId: id },
  });
  const [call] = await deps.database.db
    .select({ roomName: voiceCalls.roomName })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, row.callId));
  const [user] = await deps.database.db
    .select({ name: staffUsers.name })
    .from(staffUsers)
    .where(eq(staffUsers.id, staff.id));
  if (!call) throw new AppError(404, 'call_not_found', 'the call is gone', 'id');
  const token = await deps.livekit.mintStaffToken({
    roomName: call.roomName,
    identity: `${STAFF_IDENTITY_PREFIX}${staff.id}`,
    name: user?.name,
    ttlSeconds: STAFF_TOKEN_TTL_SECONDS,
  });
  return { token, livekitUrl: deps.livekit.publicUrl, roomName: call.roomName, callId: row.callId };
}

/** The call is over: its offer stops ringing, with no phase step (the call has none any more). */
async function cancel(deps: AppDeps, id: string, now: Date): Promise<void> {
  await deps.database.db.transaction(async (tx) => {
    const rows = await tx
      .update(escalations)
      .set({ status: 'closed', endedAt: now })
      .where(and(eq(escalations.id, id), inArray(escalations.status, ['ringing', 'accepted'])))
      .returning({ id: escalations.id });
    if (rows.length > 0) await notifyEscalationChanged(tx, id);
  });
}

/** Nobody took the offer: it stops ringing and the assistant carries on. */
async function closeUnanswered(
  deps: AppDeps,
  id: string,
  callId: string,
  status: 'unanswered' | 'expired',
  outcome: EscalationMiss,
  now: Date,
): Promise<boolean> {
  const closed = await deps.database.db.transaction(async (tx) => {
    const rows = await tx
      .update(escalations)
      .set({ status, endedAt: now })
      .where(and(eq(escalations.id, id), eq(escalations.status, 'ringing')))
      .returning({ id: escalations.id });
    if (rows.length > 0) await notifyEscalationChanged(tx, id);
    return rows.length > 0;
  });
  // Applied even when another process closed it first: the event's id makes a repeat a no-op.
  await applyPhaseEvent(deps, callId, {
    type: 'escalation_unanswered',
    at: now.getTime(),
    escalationId: id,
    outcome,
  });
  return closed;
}

/**
 * A staff member turns the offer down. When every available staff member of the site has, it
 * is `unanswered` (outcome `declined`) without waiting for the countdown.
 */
export async function declineEscalation(
  deps: AppDeps,
  staff: StaffScope & { id: string },
  id: string,
): Promise<{ status: string }> {
  const row = await visibleEscalation(deps, staff, id);
  if (row.status !== 'ringing') throw refusal(row.status);
  const now = deps.now?.() ?? new Date();
  await deps.database.db
    .insert(escalationDeclines)
    .values({ escalationId: id, userId: staff.id, at: now })
    .onConflictDoNothing();
  const left = await availableStaffOf(deps.database.db, row.siteId, id);
  if (left.length === 0 && (await closeUnanswered(deps, id, row.callId, 'unanswered', 'declined', now))) {
    return { status: 'unanswered' };
  }
  return { status: 'ringing' };
}

/**
 * The sweeper: offers of calls that ended are `closed` (if the end's own transaction did not); offers past their countdown are
 * `expired` and the assistant carries on.
 */
export async function expireEscalations(deps: AppDeps, now: Date): Promise<number> {
  const orphaned = await deps.database.db
    .select({ id: escalations.id })
    .from(escalations)
    .innerJoin(voiceCalls, eq(voiceCalls.id, escalations.callId))
    .where(and(eq(escalations.status, 'ringing'), inArray(voiceCalls.status, [...TERMINAL_STATUSES])))
    .limit(100);
  for (const e of orphaned) await cancel(deps, e.id, now);
  const due = await deps.database.db
    .select({ id: escalations.id, callId: escalations.callId })
    .from(escalations)
    .where(and(eq(escalations.status, 'ringing'), lte(escalations.expiresAt, now)))
    .limit(100);
  let expired = 0;
  for (const e of due) {
    if (await closeUnanswered(deps, e.id, e.callId, 'expired', 'expired', now)) expired += 1;
  }
  return expired;
}

/**
 * Someone went away: an offer of their sites that now has nobody left to answer it (everyone
 * else away or declined) stops ringing at once instead of keeping the visitor waiting.
 */
export async function closeOffersLeftAlone(deps: AppDeps, staff: StaffScope, now: Date): Promise<void> {
  const ringing = await deps.database.db
    .select({ id: escalations.id, callId: escalations.callId, siteId: escalations.siteId })
    .from(escalations)
    .where(eq(escalations.status, 'ringing'));
  for (const e of ringing) {
    if (!seesSite(staff, e.siteId)) continue;
    if ((await availableStaffOf(deps.database.db, e.siteId, e.id)).length > 0) continue;
    await closeUnanswered(deps, e.id, e.callId, 'unanswered', 'nobody_available', now);
  }
}
