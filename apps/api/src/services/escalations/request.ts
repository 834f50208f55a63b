import { AppError } from '@voicedesk/core';
import { escalations, newId, sites, voiceCalls } from '@voicedesk/db';
import { and, eq, isNull, or } from 'drizzle-orm';
import type { AppDeps } from '../../deps.ts';
import { applyPhaseEvent } from '../call-phase.ts';
import { notifyEscalationChanged } from '../live/notify.ts';
import { availableStaffOf } from './availability.ts';
import { summaryFromTranscript } from './summary.ts';

export interface EscalationAnswer {
  escalationId: string;
  status: string;
  availableStaff: number;
}

const open = or(
  eq(escalations.status, 'ringing'),
  and(eq(escalations.status, 'accepted'), isNull(escalations.endedAt)),
);

async function openEscalationOf(deps: AppDeps, callId: string) {
  const [row] = await deps.database.db
    .select({
      id: escalations.id,
      status: escalations.status,
      siteId: escalations.siteId,
      requestedAt: escalations.requestedAt,
    })
    .from(escalations)
    .where(and(eq(escalations.callId, callId), open));
  return row;
}

/**
 * The assistant asks for a person (`transfer_to_human`). A ringing escalation is stored and the
 * call moves to `waiting_human`; with nobody available it is `unanswered` at once and the call
 * stays with the assistant. A retry finds the open escalation and answers with it.
 */
export async function requestEscalation(
  deps: AppDeps,
  callId: string,
  reason: string,
): Promise<EscalationAnswer> {
  const db = deps.database.db;
  const [call] = await db
    .select({
      id: voiceCalls.id,
      siteId: voiceCalls.siteId,
      status: voiceCalls.status,
      offerSeconds: sites.offerSeconds,
    })
    .from(voiceCalls)
    .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
    .where(eq(voiceCalls.id, callId));
  if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  const existing = await openEscalationOf(deps, callId);
  if (existing) {
    // The first attempt may have stopped between storing the row and the phase step: the
    // step's id is the escalation's, so applying it again is stored once.
    await applyPhaseEvent(deps, callId, {
      type: 'escalation_requested',
      at: existing.requestedAt.getTime(),
      escalationId: existing.id,
    });
    const staff = await availableStaffOf(db, existing.siteId, existing.id);
    return { escalationId: existing.id, status: existing.status, availableStaff: staff.length };
  }
  if (call.status !== 'connected') {
    throw new AppError(409, 'call_not_active', 'only a connected call can be handed to a person', 'id');
  }
  const now = deps.now?.() ?? new Date();
  const staff = await availableStaffOf(db, call.siteId);
  const id = newId();
  const summary = await summaryFromTranscript(db, callId);
  const ringing = staff.length > 0;
  // The site's own offer time, else the global one; the sweeper expires the offer by expiresAt.
  const offerSeconds = call.offerSeconds ?? deps.config.escalation.offerSeconds;
  const inserted = await db.transaction(async (tx) => {
    const rows = await tx
      .insert(escalations)
      .values({
        id,
        callId,
        siteId: call.siteId,
        status: ringing ? 'ringing' : 'unanswered',
        reason,
        summary,
        requestedAt: now,
        expiresAt: new Date(now.getTime() + offerSeconds * 1000),
        ...(ringing ? {} : { endedAt: now }),
      })
      // Two retries racing: the partial unique index lets one in; the other reads it below.
      .onConflictDoNothing()
      .returning({ id: escalations.id });
    if (rows.length > 0 && ringing) await notifyEscalationChanged(tx, id);
    return rows.length > 0;
  });
  if (!inserted) {
    const winner = await openEscalationOf(deps, callId);
    if (!winner) throw new AppError(409, 'conflict', 'try again', 'id');
    return { escalationId: winner.id, status: winner.status, availableStaff: staff.length };
  }
  await applyPhaseEvent(deps, callId, { type: 'escalation_requested', at: now.getTime(), escalationId: id });
  if (!ringing) {
    await applyPhaseEvent(deps, callId, {
      type: 'escalation_unanswered',
      at: now.getTime(),
      escalationId: id,
      outcome: 'nobody_available',
    });
  }
  return { escalationId: id, status: ringing ? 'ringing' : 'unanswered', availableStaff: staff.length };
}
