import {
  type CallPhase,
  type CallProjection,
  type CallStatus,
  isTerminal,
  type LifecycleEvent,
  projectCall,
} from '@voicedesk/core';
import {
  CALL_END_JOB_KINDS,
  type CallJobKind,
  callEvents,
  callJobs,
  callParticipants,
  type Db,
  newId,
  voiceCalls,
} from '@voicedesk/db';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { closeEscalationsOfEndedCall } from './escalations/close.ts';
import { notifyCallChanged } from './live/notify.ts';

export interface CallEventInput {
  eventId: string;
  type: string;
  source: 'livekit' | 'api' | 'agent' | 'sweeper';
  callId?: string | undefined;
  roomName?: string | undefined;
  createdAt: Date;
  lifecycle: LifecycleEvent | null;
  payload: unknown;
}

export interface CallEventOutcome {
  duplicate: boolean;
  callId: string | undefined;
  roomName: string | undefined;
  previousStatus: CallStatus | undefined;
  previousPhase: CallPhase | undefined;
  projection: CallProjection | undefined;
}

export interface RecordOptions {
  now: Date;
  /** How long an unsettled call waits for a witness to explain it before the sweeper settles it. */
  settleGraceSeconds: number;
  /** Work queued, with the event, when the call becomes connected (an egress recording starts). */
  connectedJobs?: readonly CallJobKind[];
}

/**
 * Stores one event exactly once and re-derives the call row from the whole log (in arrival
 * order, see packages/core/src/lifecycle.ts), inside one transaction holding the call's row
 * lock: concurrent events for a call serialise here. The work an ended call needs is queued in
 * the same transaction (call_jobs), so it cannot be lost between the commit and doing it.
 */
export async function recordCallEvent(
  db: Db,
  input: CallEventInput,
  options: RecordOptions,
): Promise<CallEventOutcome> {
  return db.transaction(async (tx) => {
    const where = input.callId
      ? eq(voiceCalls.id, input.callId)
      : eq(voiceCalls.roomName, input.roomName ?? '');
    const [call] = await tx
      .select({
        id: voiceCalls.id,
        status: voiceCalls.status,
        phase: voiceCalls.phase,
        roomName: voiceCalls.roomName,
        settleAfter: voiceCalls.settleAfter,
      })
      .from(voiceCalls)
      .where(where)
      .for('update');
    const inserted = await tx
      .insert(callEvents)
      .values({
        id: newId(),
        eventId: input.eventId,
        callId: call?.id ?? null,
        roomName: input.roomName ?? call?.roomName ?? null,
        type: input.type,
        source: input.source,
        lifecycle: input.lifecycle,
        payload: input.payload ?? {},
        createdAt: input.createdAt,
      })
      .onConflictDoNothing({ target: callEvents.eventId })
      .returning({ id: callEvents.id });
    const base = {
      callId: call?.id,
      roomName: call?.roomName,
      previousStatus: call?.status,
      previousPhase: call?.phase,
    };
    if (inserted.length === 0) return { duplicate: true, ...base, projection: undefined };
    if (!call || !input.lifecycle) return { duplicate: false, ...base, projection: undefined };

    const log = await tx
      .select({ lifecycle: callEvents.lifecycle })
      .from(callEvents)
      .where(and(eq(callEvents.callId, call.id), isNotNull(callEvents.lifecycle)))
      .orderBy(asc(callEvents.seq));
    const projection = projectCall(log.map((row) => row.lifecycle as LifecycleEvent));
    const toDate = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));

    await tx
      .update(voiceCalls)
      .set({
        status: projection.status,
        phase: projection.phase,
        startedAt: toDate(projection.startedAt),
        connectedAt: toDate(projection.connectedAt),
        endedAt: toDate(projection.endedAt),
        durationSeconds: projection.durationSeconds ?? null,
        endReason: projection.endReason ?? null,
        settleAfter: projection.unsettled
          ? (call.settleAfter ?? new Date(options.now.getTime() + options.settleGraceSeconds * 1000))
          : null,
        updatedAt: sql`now()`,
      })
      .where(eq(voiceCalls.id, call.id));

    for (const span of projection.participants) {
      const leftAt = toDate(span.leftAt);
      const duration = span.leftAt === undefined ? null : Math.round((span.leftAt - span.joinedAt) / 1000);
      await tx
        .insert(callParticipants)
        .values({
          id: newId(),
          callId: call.id,
          participantSid: span.sid,
          identity: span.identity,
          kind: span.kind,
          name: span.name ?? null,
          joinedAt: new Date(span.joinedAt),
          leftAt,
          durationSeconds: duration,
        })
        .onConflictDoUpdate({
          target: [callParticipants.callId, callParticipants.participantSid],
          set: {
            joinedAt: new Date(span.joinedAt),
            leftAt,
            durationSeconds: duration,
            name: span.name ?? null,
          },
        });
    }
    const outcome = { duplicate: false, ...base, projection };
    if (options.connectedJobs?.length && becameConnected(outcome)) {
      await tx
        .insert(callJobs)
        .values(
          options.connectedJobs.map((kind) => ({ id: newId(), callId: call.id, kind, runAt: options.now })),
        )
        .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] });
    }
    if (becameTerminal(outcome)) {
      await tx
        .insert(callJobs)
        .values(
          CALL_END_JOB_KINDS.map((kind) => ({ id: newId(), callId: call.id, kind, runAt: options.now })),
        )
        .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] });
      await closeEscalationsOfEndedCall(tx, call.id, options.now);
    }
    // The Live view hears of it at commit; a redelivered or no-op event changes nothing it shows.
    if (projection.status !== call.status || projection.phase !== call.phase) {
      await notifyCallChanged(tx, call.id);
    }
    return outcome;
  });
}

export function becameConnected(outcome: CallEventOutcome): boolean {
  return outcome.projection?.status === 'connected' && outcome.previousStatus !== 'connected';
}

export function becameTerminal(outcome: CallEventOutcome): boolean {
  return (
    outcome.projection !== undefined &&
    isTerminal(outcome.projection.status) &&
    (outcome.previousStatus === undefined || !isTerminal(outcome.previousStatus))
  );
}
