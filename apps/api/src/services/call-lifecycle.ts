import {
  type CallPhase,
  type CallProjection,
  type CallStatus,
  isTerminal,
  type LifecycleEvent,
  projectCall,
  roomNameForCall,
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
import { sql } from 'drizzle-orm';
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

/** One event to record, with its own options (each caller's clock and jobs). */
export interface CallEventRecord {
  input: CallEventInput;
  options: RecordOptions;
}

/** One event: see recordCallEvents, of which this is the batch of one. */
export async function recordCallEvent(
  db: Db,
  input: CallEventInput,
  options: RecordOptions,
): Promise<CallEventOutcome> {
  const [outcome] = await recordCallEvents(db, [{ input, options }]);
  if (!outcome) throw new Error('recordCallEvents answered no outcome for its one event');
  return outcome;
}

/**
 * Stores each event exactly once and re-derives each call's row from its whole log (in arrival
 * order, see packages/core/src/lifecycle.ts), inside one transaction holding the calls' row
 * locks: concurrent events for a call serialise here. The work an ended call needs is queued in
 * the same transaction (call_jobs), so it cannot be lost between the commit and doing it.
 *
 * Events of many calls share the transaction so that a burst costs a few round trips and one
 * commit in all instead of five round trips each (see call-event-batcher.ts). Each event's
 * outcome is what recording it alone, in the same order, would have answered. The statements of
 * a step are sent together: postgres-js pipelines them on the transaction's connection.
 *
 * Events without a lifecycle meaning (a track published, say) change no projection; a batch of
 * only those is stored without the locks or a transaction.
 */
export async function recordCallEvents(
  db: Db,
  records: readonly CallEventRecord[],
): Promise<CallEventOutcome[]> {
  if (records.every((r) => r.input.lifecycle === null)) {
    const stored = await Promise.all(records.map((r) => storeEvent(db, r.input, false)));
    return stored.map(({ inserted, call }) => ({
      duplicate: !inserted,
      ...baseOf(call),
      projection: undefined,
    }));
  }
  return db.transaction(async (tx) => {
    // Rows are locked in one order (by room, then arrival) so two batches sharing calls cannot
    // deadlock; a call's own events keep their arrival order.
    const order = records
      .map((record, index) => ({ record, index, key: lockKey(record.input) }))
      .sort((a, b) => (a.key === b.key ? a.index - b.index : a.key < b.key ? -1 : 1));
    const stored = await Promise.all(
      order.map(({ record }) => storeEvent(tx, record.input, record.input.lifecycle !== null)),
    );
    const outcomes: CallEventOutcome[] = new Array(records.length);
    const calls = new Map<string, { call: StoredCall; steps: Step[] }>();
    order.forEach(({ record, index }, i) => {
      const { inserted, call } = stored[i] as StoredEvent;
      outcomes[index] = { duplicate: !inserted, ...baseOf(call), projection: undefined };
      if (!call) return;
      const entry = calls.get(call.id) ?? { call, steps: [] };
      const lifecycle = inserted ? record.input.lifecycle : null;
      entry.steps.push({ index, eventId: record.input.eventId, lifecycle, options: record.options });
      calls.set(call.id, entry);
    });
    // Only calls with a new lifecycle event change; the others' outcomes are as stored.
    const changedCalls = new Map(
      [...calls].filter(([, entry]) => entry.steps.some((step) => step.lifecycle !== null)),
    );

    const logs = await Promise.all([...changedCalls.keys()].map((callId) => readLog(tx, callId)));
    const writes: Promise<unknown>[] = [];
    [...changedCalls.values()].forEach(({ call, steps }, i) => {
      const log = logs[i] ?? [];
      writes.push(...projectSteps(tx, call, steps, log, outcomes));
    });
    await Promise.all(writes);
    return outcomes;
  });
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type StoredCall = NonNullable<StoredEvent['call']>;
type LogRow = { eventId: string; lifecycle: unknown };

interface Step {
  /** Where the event's outcome goes in the caller's list. */
  index: number;
  eventId: string;
  /** Null for a repeat or an event without a lifecycle meaning: it only reads the state. */
  lifecycle: LifecycleEvent | null;
  options: RecordOptions;
}

/** A projection's instant (epoch ms) as a statement's parameter. */
function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The call's lifecycle events in arrival order: what its row is projected from. */
async function readLog(tx: Tx, callId: string): Promise<LogRow[]> {
  const rows = rowsOf<{ event_id: string; lifecycle: unknown }>(
    await tx.execute(sql`
      select event_id, lifecycle from ${callEvents}
      where call_id = ${callId}::uuid and lifecycle is not null
      order by seq`),
  );
  return rows.map((row) => ({ eventId: row.event_id, lifecycle: row.lifecycle }));
}

function lockKey(input: CallEventInput): string {
  return input.callId ? roomNameForCall(input.callId) : (input.roomName ?? '');
}

/**
 * Projects a call's log after each of this batch's events in turn (the outcome each would have
 * had alone), and returns the writes that bring the row and what hangs off it to the last one.
 * `steps` holds every event of the batch for the call, in arrival order.
 *
 * The writes (and the log's read) are SQL templates rather than drizzle's query builders: they
 * run for every changed call of every batch, and building the row's update took the builder
 * about 120 µs of CPU against 13 µs for the template (drizzle's builders, these and others,
 * were 12 % of the API's CPU in bench/webhook-bench.ts's profile, half of it this update).
 */
function projectSteps(
  tx: Tx,
  call: StoredCall,
  steps: readonly Step[],
  log: readonly LogRow[],
  outcomes: CallEventOutcome[],
): Promise<unknown>[] {
  const writes: Promise<unknown>[] = [];
  let previous = { status: call.status, phase: call.phase };
  let projection: CallProjection | undefined;
  let notify = false;
  const jobs = new Set<CallJobKind>();
  let last: Step | undefined;
  for (const step of steps) {
    const { lifecycle } = step;
    if (!lifecycle) {
      // Recorded alone, it would have found the row as this batch's earlier events left it.
      const outcome = outcomes[step.index];
      if (outcome)
        outcomes[step.index] = { ...outcome, previousStatus: previous.status, previousPhase: previous.phase };
      continue;
    }
    last = step;
    const upTo = log.findIndex((row) => row.eventId === step.eventId);
    projection = projectCall(log.slice(0, upTo + 1).map((row) => row.lifecycle as LifecycleEvent));
    const outcome: CallEventOutcome = {
      duplicate: false,
      ...baseOf(call),
      previousStatus: previous.status,
      previousPhase: previous.phase,
      projection,
    };
    outcomes[step.index] = outcome;
    if (step.options.connectedJobs?.length && becameConnected(outcome)) {
      for (const kind of step.options.connectedJobs) jobs.add(kind);
    }
    if (becameTerminal(outcome)) {
      for (const kind of CALL_END_JOB_KINDS) jobs.add(kind);
      writes.push(closeEscalationsOfEndedCall(tx, call.id, step.options.now));
    }
    if (lifecycle.type === 'handed_back' && projection.phase === 'ai' && previous.phase === 'human') {
      writes.push(endHandedBackEscalation(tx, call.id, lifecycle.escalationId, new Date(lifecycle.at)));
    }
    // The Live view hears of it at commit; a redelivered or no-op event changes nothing it shows.
    if (projection.status !== previous.status || projection.phase !== previous.phase) notify = true;
    previous = { status: projection.status, phase: projection.phase };
  }
  if (!projection || !last) return writes;
  const now = last.options.now;
  const settleAfter = projection.unsettled
    ? (call.settleAfter ?? new Date(now.getTime() + last.options.settleGraceSeconds * 1000))
    : null;
  writes.push(
    tx.execute(sql`
      update ${voiceCalls}
      set status = ${projection.status}, phase = ${projection.phase},
          started_at = ${iso(projection.startedAt)}::timestamptz,
          connected_at = ${iso(projection.connectedAt)}::timestamptz,
          ended_at = ${iso(projection.endedAt)}::timestamptz,
          duration_seconds = ${projection.durationSeconds ?? null}::integer,
          end_reason = ${projection.endReason ?? null}::text,
          settle_after = ${settleAfter?.toISOString() ?? null}::timestamptz,
          updated_at = now()
      where id = ${call.id}::uuid`),
  );
  if (projection.participants.length > 0) {
    // One row per span (spans are keyed by participant sid), all in one statement.
    const rows = projection.participants.map(
      (span) => sql`(${newId()}::uuid, ${call.id}::uuid, ${span.sid}::text, ${span.identity}::text,
        ${span.kind}::text, ${span.name ?? null}::text, ${iso(span.joinedAt)}::timestamptz,
        ${iso(span.leftAt)}::timestamptz,
        ${span.leftAt === undefined ? null : Math.round((span.leftAt - span.joinedAt) / 1000)}::integer)`,
    );
    writes.push(
      tx.execute(sql`
        insert into ${callParticipants}
          (id, call_id, participant_sid, identity, kind, name, joined_at, left_at, duration_seconds)
        values ${sql.join(rows, sql`, `)}
        on conflict (call_id, participant_sid) do update
        set joined_at = excluded.joined_at, left_at = excluded.left_at,
            duration_seconds = excluded.duration_seconds, name = excluded.name`),
    );
  }
  if (jobs.size > 0) {
    const rows = [...jobs].map(
      (kind) => sql`(${newId()}::uuid, ${call.id}::uuid, ${kind}::text, ${now.toISOString()}::timestamptz)`,
    );
    writes.push(
      tx.execute(sql`
        insert into ${callJobs} (id, call_id, kind, run_at) values ${sql.join(rows, sql`, `)}
        on conflict (call_id, kind) do nothing`),
    );
  }
  if (notify) writes.push(notifyCallChanged(tx, call.id));
  return writes;
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
