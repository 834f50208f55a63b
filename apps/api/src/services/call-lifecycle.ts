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
import { closeEscalationsOfEndedCall, endHandedBackEscalation } from './escalations/close.ts';
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

/** postgres-js answers `execute` with the rows, PGlite with `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

interface StoredEvent {
  inserted: boolean;
  call:
    | { id: string; status: CallStatus; phase: CallPhase; roomName: string; settleAfter: Date | null }
    | undefined;
}

/**
 * Reads the event's call (locking its row when `lock`) and inserts the event unless its id is
 * stored already, in one statement. The log is read by a later statement: a row lock waited for
 * here leaves this statement's snapshot behind what the holder committed.
 */
async function storeEvent(
  db: Pick<Db, 'execute'>,
  input: CallEventInput,
  lock: boolean,
): Promise<StoredEvent> {
  const where = input.callId
    ? sql`${voiceCalls.id} = ${input.callId}::uuid`
    : sql`${voiceCalls.roomName} = ${input.roomName ?? ''}::text`;
  const result = await db.execute(sql`
    with call as (
      select id, status, phase, room_name, settle_after from ${voiceCalls} where ${where}
      ${lock ? sql`for update` : sql``}
    ), inserted as (
      insert into ${callEvents} (id, event_id, call_id, room_name, type, source, lifecycle, payload, created_at)
      select ${newId()}::uuid, ${input.eventId}::text, call.id, coalesce(${input.roomName ?? null}::text, call.room_name),
             ${input.type}::text, ${input.source}::text,
             ${input.lifecycle === null ? null : JSON.stringify(input.lifecycle)}::text::jsonb,
             ${JSON.stringify(input.payload ?? {})}::text::jsonb, ${input.createdAt.toISOString()}::timestamptz
      from (select 1) as one left join call on true
      on conflict (event_id) do nothing
      returning 1
    )
    select call.id, call.status, call.phase, call.room_name, call.settle_after,
           exists (select 1 from inserted) as inserted
    from (select 1) as one left join call on true`);
  const [row] = rowsOf<{
    id: string | null;
    status: CallStatus;
    phase: CallPhase;
    room_name: string;
    settle_after: Date | string | null;
    inserted: boolean;
  }>(result);
  return {
    inserted: row?.inserted === true,
    call: row?.id
      ? {
          id: row.id,
          status: row.status,
          phase: row.phase,
          roomName: row.room_name,
          settleAfter: row.settle_after === null ? null : new Date(row.settle_after),
        }
      : undefined,
  };
}

/**
 * Stores one event exactly once and re-derives the call row from the whole log (in arrival
 * order, see packages/core/src/lifecycle.ts), inside one transaction holding the call's row
 * lock: concurrent events for a call serialise here. The work an ended call needs is queued in
 * the same transaction (call_jobs), so it cannot be lost between the commit and doing it.
 * An event without a lifecycle meaning (a track published, say) changes no projection, so it
 * is stored in one statement, without the lock or a transaction.
 */
export async function recordCallEvent(
  db: Db,
  input: CallEventInput,
  options: RecordOptions,
): Promise<CallEventOutcome> {
  if (!input.lifecycle) {
    const { inserted, call } = await storeEvent(db, input, false);
    return { duplicate: !inserted, ...baseOf(call), projection: undefined };
  }
  const lifecycle = input.lifecycle;
  return db.transaction(async (tx) => {
    const { inserted, call } = await storeEvent(tx, { ...input, lifecycle }, true);
    const base = baseOf(call);
    if (!inserted) return { duplicate: true, ...base, projection: undefined };
    if (!call) return { duplicate: false, ...base, projection: undefined };

    const log = await tx
      .select({ lifecycle: callEvents.lifecycle })
      .from(callEvents)
      .where(and(eq(callEvents.callId, call.id), isNotNull(callEvents.lifecycle)))
      .orderBy(asc(callEvents.seq));
    const projection = projectCall(log.map((row) => row.lifecycle as LifecycleEvent));
    const toDate = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
    const outcome = { duplicate: false, ...base, projection };

    // Independent writes, sent together: postgres-js pipelines them on the transaction's
    // connection, so they cost one round trip instead of one each.
    const writes: Promise<unknown>[] = [
      tx
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
        .where(eq(voiceCalls.id, call.id)),
    ];
    if (projection.participants.length > 0) {
      // One row per span (spans are keyed by participant sid), all in one statement.
      writes.push(
        tx
          .insert(callParticipants)
          .values(
            projection.participants.map((span) => ({
              id: newId(),
              callId: call.id,
              participantSid: span.sid,
              identity: span.identity,
              kind: span.kind,
              name: span.name ?? null,
              joinedAt: new Date(span.joinedAt),
              leftAt: toDate(span.leftAt),
              durationSeconds:
                span.leftAt === undefined ? null : Math.round((span.leftAt - span.joinedAt) / 1000),
            })),
          )
          .onConflictDoUpdate({
            target: [callParticipants.callId, callParticipants.participantSid],
            set: {
              joinedAt: sql`excluded.joined_at`,
              leftAt: sql`excluded.left_at`,
              durationSeconds: sql`excluded.duration_seconds`,
              name: sql`excluded.name`,
            },
          }),
      );
    }
    if (options.connectedJobs?.length && becameConnected(outcome)) {
      writes.push(
        tx
          .insert(callJobs)
          .values(
            options.connectedJobs.map((kind) => ({ id: newId(), callId: call.id, kind, runAt: options.now })),
          )
          .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] }),
      );
    }
    if (becameTerminal(outcome)) {
      writes.push(
        tx
          .insert(callJobs)
          .values(
            CALL_END_JOB_KINDS.map((kind) => ({ id: newId(), callId: call.id, kind, runAt: options.now })),
          )
          .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] }),
        closeEscalationsOfEndedCall(tx, call.id, options.now),
      );
    }
    if (lifecycle.type === 'handed_back' && projection.phase === 'ai' && call.phase === 'human') {
      writes.push(endHandedBackEscalation(tx, call.id, lifecycle.escalationId, new Date(lifecycle.at)));
    }
    // The Live view hears of it at commit; a redelivered or no-op event changes nothing it shows.
    if (projection.status !== call.status || projection.phase !== call.phase) {
      writes.push(notifyCallChanged(tx, call.id));
    }
    await Promise.all(writes);
    return outcome;
  });
}

function baseOf(call: StoredEvent['call']) {
  return {
    callId: call?.id,
    roomName: call?.roomName,
    previousStatus: call?.status,
    previousPhase: call?.phase,
  };
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
