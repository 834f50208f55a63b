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
  type Db,
  jsonParam,
  newId,
  rowsOf,
  type Tx,
  voiceCalls,
} from '@voicedesk/db';
import { sql } from 'drizzle-orm';
import type { ClaimedJob } from './call-jobs.ts';
import { type CallRowWrite, type QueuedJob, writeCallRows } from './call-row-writes.ts';

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
  /**
   * Work the event queued (an ended call's room to close, a recording to start), claimed for
   * whoever recorded it: theirs to run at once with `runClaimedJobs`. Work they never run is
   * free again when the claim expires, and the sweeper runs it.
   */
  jobs?: readonly ClaimedJob[];
}

export interface RecordOptions {
  now: Date;
  /** How long an unsettled call waits for a witness to explain it before the sweeper settles it. */
  settleGraceSeconds: number;
  /** Work queued, with the event, when the call becomes connected (an egress recording starts). */
  connectedJobs?: readonly CallJobKind[];
}

interface StoredEvent {
  inserted: boolean;
  call:
    | { id: string; status: CallStatus; phase: CallPhase; roomName: string; settleAfter: Date | null }
    | undefined;
}

/**
 * Reads each event's call (locking the rows when `lock`, in room order, so two batches sharing
 * calls cannot deadlock) and inserts each event unless its id is stored already, all in one
 * statement: the batch travels as one JSON parameter, one statement for fifty events as for one.
 * `inputs` come in the order their events are logged (`seq`). The calls are found through
 * arrays (`= any(array(...))`): an OR of two `in (subquery)` is a scan of every call. The log
 * is read by a later statement: a row lock waited for here leaves this statement's snapshot
 * behind what the holder committed.
 */
async function storeEvents(
  db: Pick<Db, 'execute'>,
  inputs: readonly CallEventInput[],
  lock: boolean,
): Promise<StoredEvent[]> {
  const batch = jsonParam(
    inputs.map((input, n) => ({
      n,
      id: newId(),
      event_id: input.eventId,
      call_id: input.callId ?? null,
      room_name: input.roomName ?? null,
      type: input.type,
      source: input.source,
      lifecycle: input.lifecycle,
      payload: input.payload ?? {},
      created_at: input.createdAt.toISOString(),
    })),
  );
  const result = await db.execute(sql`
    with input as materialized (
      select * from jsonb_to_recordset(${batch}) as x(
        n integer, id uuid, event_id text, call_id uuid, room_name text, type text, source text,
        lifecycle jsonb, payload jsonb, created_at timestamptz)
    ), call as materialized (
      select id, status, phase, room_name, settle_after from ${voiceCalls}
      where id = any(array(select call_id from input where call_id is not null))
         or room_name = any(array(select room_name from input where call_id is null))
      order by room_name
      ${lock ? sql`for update` : sql``}
    ), matched as materialized (
      select input.*, call.id as found_id, call.status, call.phase, call.room_name as call_room_name,
             call.settle_after
      from input left join call
        on call.id = input.call_id or (input.call_id is null and call.room_name = input.room_name)
    ), inserted as (
      insert into ${callEvents} (id, event_id, call_id, room_name, type, source, lifecycle, payload, created_at)
      select id, event_id, found_id, coalesce(room_name, call_room_name), type, source, lifecycle, payload,
             created_at
      from matched order by n
      on conflict (event_id) do nothing
      returning id
    )
    select n, found_id as id, status, phase, call_room_name as room_name, settle_after,
           matched.id in (select inserted.id from inserted) as inserted
    from matched order by n`);
  const rows = rowsOf<{
    id: string | null;
    status: CallStatus;
    phase: CallPhase;
    room_name: string;
    settle_after: Date | string | null;
    inserted: boolean;
  }>(result);
  return rows.map((row) => ({
    inserted: row.inserted === true,
    call: row.id
      ? {
          id: row.id,
          status: row.status,
          phase: row.phase,
          roomName: row.room_name,
          settleAfter: row.settle_after === null ? null : new Date(row.settle_after),
        }
      : undefined,
  }));
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
    const stored = await storeEvents(
      db,
      records.map((r) => r.input),
      false,
    );
    return stored.map(({ inserted, call }) => ({
      duplicate: !inserted,
      ...baseOf(call),
      projection: undefined,
    }));
  }
  return db.transaction(async (tx) => {
    // The statement locks the calls' rows in room order itself: the events go in as they came.
    const stored = await storeEvents(
      tx,
      records.map((r) => r.input),
      true,
    );
    const outcomes: CallEventOutcome[] = new Array(records.length);
    const calls = new Map<string, { call: StoredCall; steps: Step[] }>();
    records.forEach((record, index) => {
      const { inserted, call } = stored[index] as StoredEvent;
      outcomes[index] = { duplicate: !inserted, ...baseOf(call), projection: undefined };
      if (!call) return;
      const entry = calls.get(call.id) ?? { call, steps: [] };
      const lifecycle = inserted ? record.input.lifecycle : null;
      entry.steps.push({ index, eventId: record.input.eventId, lifecycle, options: record.options });
      calls.set(call.id, entry);
    });
    // Only calls with a new lifecycle event change; the others' outcomes are as stored.
    const changed = [...calls.values()].filter(({ steps }) => steps.some((step) => step.lifecycle !== null));
    const logs = await readLogs(
      tx,
      changed.map(({ call }) => call.id),
    );
    const writes = changed.flatMap(({ call, steps }) => {
      const write = projectSteps(call, steps, logs.get(call.id) ?? [], outcomes);
      return write ? [write] : [];
    });
    const queued = byCall(await writeCallRows(tx, writes));
    for (const { callId, jobsOwner } of writes) {
      const jobs = queued.get(callId);
      if (jobsOwner === undefined || !jobs) continue;
      const outcome = outcomes[jobsOwner];
      const roomName = calls.get(callId)?.call.roomName;
      if (!outcome || roomName === undefined) continue;
      outcomes[jobsOwner] = { ...outcome, jobs: jobs.map((job) => ({ ...job, roomName })) };
    }
    return outcomes;
  });
}

function byCall(jobs: readonly QueuedJob[]): Map<string, QueuedJob[]> {
  const grouped = new Map<string, QueuedJob[]>();
  for (const job of jobs) {
    const ofCall = grouped.get(job.callId);
    if (ofCall) ofCall.push(job);
    else grouped.set(job.callId, [job]);
  }
  return grouped;
}

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

/** The calls' lifecycle events, each call's in arrival order: what their rows are projected from. */
async function readLogs(tx: Tx, callIds: readonly string[]): Promise<Map<string, LogRow[]>> {
  const logs = new Map<string, LogRow[]>();
  if (callIds.length === 0) return logs;
  const rows = rowsOf<{ call_id: string; event_id: string; lifecycle: unknown }>(
    await tx.execute(sql`
      select call_id, event_id, lifecycle from ${callEvents}
      where call_id = any(array(select value::uuid from jsonb_array_elements_text(${jsonParam(callIds)})))
        and lifecycle is not null
      order by call_id, seq`),
  );
  for (const row of rows) {
    const log = logs.get(row.call_id) ?? [];
    log.push({ eventId: row.event_id, lifecycle: row.lifecycle });
    logs.set(row.call_id, log);
  }
  return logs;
}

/**
 * Projects a call's log after each of this batch's events in turn (the outcome each would have
 * had alone), and answers what brings the row and what hangs off it to the last one (nothing
 * when no event of the batch moved the call). `steps` holds every event of the batch for the
 * call, in arrival order.
 */
function projectSteps(
  call: StoredCall,
  steps: readonly Step[],
  log: readonly LogRow[],
  outcomes: CallEventOutcome[],
): CallRowWrite | undefined {
  let previous = { status: call.status, phase: call.phase };
  let projection: CallProjection | undefined;
  let notify = false;
  let endedAt: Date | undefined;
  const handBacks: { escalationId: string; at: Date }[] = [];
  const jobs = new Set<CallJobKind>();
  let jobsOwner: number | undefined;
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
      jobsOwner = step.index;
    }
    if (becameTerminal(outcome)) {
      for (const kind of CALL_END_JOB_KINDS) jobs.add(kind);
      jobsOwner = step.index;
      endedAt = step.options.now;
    }
    if (lifecycle.type === 'handed_back' && projection.phase === 'ai' && previous.phase === 'human') {
      handBacks.push({ escalationId: lifecycle.escalationId, at: new Date(lifecycle.at) });
    }
    // The Live view hears of it at commit; a redelivered or no-op event changes nothing it shows.
    if (projection.status !== previous.status || projection.phase !== previous.phase) notify = true;
    previous = { status: projection.status, phase: projection.phase };
  }
  if (!projection || !last) return undefined;
  const now = last.options.now;
  const settleAfter = projection.unsettled
    ? (call.settleAfter ?? new Date(now.getTime() + last.options.settleGraceSeconds * 1000))
    : null;
  return { callId: call.id, projection, settleAfter, jobs, jobsOwner, now, notify, endedAt, handBacks };
}

function baseOf(call: StoredEvent['call']) {
  return {
    callId: call?.id,
    roomName: call?.roomName,
    previousStatus: call?.status,
    previousPhase: call?.phase,
  };
}

function becameConnected(outcome: CallEventOutcome): boolean {
  return outcome.projection?.status === 'connected' && outcome.previousStatus !== 'connected';
}

export function becameTerminal(outcome: CallEventOutcome): boolean {
  return (
    outcome.projection !== undefined &&
    isTerminal(outcome.projection.status) &&
    (outcome.previousStatus === undefined || !isTerminal(outcome.previousStatus))
  );
}
