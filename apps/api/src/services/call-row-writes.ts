import type { CallProjection } from '@voicedesk/core';
import {
  type CallJobKind,
  callJobs,
  callParticipants,
  jsonParam,
  newId,
  rowsOf,
  type Tx,
  voiceCalls,
} from '@voicedesk/db';
import { sql } from 'drizzle-orm';
import { CLAIM_SECONDS, type ClaimedJob } from './call-jobs.ts';
import { closeEscalationsOfEndedCalls, endHandedBackEscalation } from './escalations/close.ts';
import { notifyCallsChanged } from './live/notify.ts';
import { transcriptExportOf } from './transcript.ts';

/** What a batch of events changed for one call: the row's new projection and what hangs off it. */
export interface CallRowWrite {
  callId: string;
  projection: CallProjection;
  settleAfter: Date | null;
  /** Work queued for the call, due at `now`. */
  jobs: ReadonlySet<CallJobKind>;
  /** Where in the batch the event is whose request runs that work (the last that queued any). */
  jobsOwner: number | undefined;
  now: Date;
  /** Its status or phase changed: the Live view hears of it at commit. */
  notify: boolean;
  /** Set when the call ended in this batch: its escalations close at this instant, its transcript export freezes. */
  endedAt: Date | undefined;
  handBacks: readonly { escalationId: string; at: Date }[];
}

/** A projection's instant (epoch ms) as it goes into a statement. */
function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** Work a batch queued, claimed for the request that recorded it (its call's room name added there). */
export type QueuedJob = Omit<ClaimedJob, 'roomName'>;

/**
 * The statements that bring every changed call of a batch to its projection, sent together so
 * that postgres-js pipelines them. Each kind of write is one statement for all the calls, their
 * rows passed as one JSON parameter: SQL templates, since drizzle's query builders rebuild a
 * statement's text on every call (about 120 µs of CPU for the row's update, against 13 µs for a
 * template), and one statement per call made a batch of fifty calls cost fifty times one.
 *
 * Answers the work queued: it is queued already claimed for the request that recorded the
 * events, which runs it at once and so needs no claim statement of its own; if that request
 * never runs it, the claim expires and the sweeper does.
 */
export async function writeCallRows(tx: Tx, writes: readonly CallRowWrite[]): Promise<QueuedJob[]> {
  if (writes.length === 0) return [];
  const statements: Promise<unknown>[] = [updateRows(tx, writes)];
  const participants = writes.flatMap(({ callId, projection }) =>
    projection.participants.map((span) => ({
      id: newId(),
      call_id: callId,
      participant_sid: span.sid,
      identity: span.identity,
      kind: span.kind,
      name: span.name ?? null,
      joined_at: iso(span.joinedAt),
      left_at: iso(span.leftAt),
      duration_seconds: span.leftAt === undefined ? null : Math.round((span.leftAt - span.joinedAt) / 1000),
    })),
  );
  if (participants.length > 0) statements.push(upsertParticipants(tx, participants));
  const jobs = writes.flatMap(({ callId, jobs, now }) =>
    [...jobs].map((kind) => ({
      id: newId(),
      call_id: callId,
      kind,
      run_at: now.toISOString(),
      locked_until: new Date(now.getTime() + CLAIM_SECONDS * 1000).toISOString(),
    })),
  );
  const queued = jobs.length > 0 ? queueJobs(tx, jobs) : Promise.resolve([]);
  const ended = writes.flatMap(({ callId, endedAt }) => (endedAt ? [{ callId, at: endedAt }] : []));
  if (ended.length > 0) statements.push(closeEscalationsOfEndedCalls(tx, ended));
  for (const { callId, handBacks } of writes) {
    for (const { escalationId, at } of handBacks) {
      statements.push(endHandedBackEscalation(tx, callId, escalationId, at));
    }
  }
  const changed = writes.filter((write) => write.notify).map((write) => write.callId);
  if (changed.length > 0) statements.push(notifyCallsChanged(tx, changed));
  const [claimed] = await Promise.all([queued, ...statements]);
  return claimed;
}

function updateRows(tx: Tx, writes: readonly CallRowWrite[]): Promise<unknown> {
  const rows = jsonParam(
    writes.map(({ callId, projection, settleAfter, endedAt }) => ({
      id: callId,
      status: projection.status,
      phase: projection.phase,
      started_at: iso(projection.startedAt),
      connected_at: iso(projection.connectedAt),
      ended_at: iso(projection.endedAt),
      duration_seconds: projection.durationSeconds ?? null,
      end_reason: projection.endReason ?? null,
      settle_after: settleAfter?.toISOString() ?? null,
      ended_here: endedAt !== undefined,
    })),
  );
  // PostgreSQL takes any JSON list for 100 rows: joined on its own, a table of a few thousand
  // calls is scanned whole. The ids as an array make it look each one up by its key.
  return tx.execute(sql`
    with x as materialized (
      select * from jsonb_to_recordset(${rows}) as x(
        id uuid, status text, phase text, started_at timestamptz, connected_at timestamptz,
        ended_at timestamptz, duration_seconds integer, end_reason text, settle_after timestamptz,
        ended_here boolean)
    )
    update ${voiceCalls} as v
    set status = x.status, phase = x.phase, started_at = x.started_at, connected_at = x.connected_at,
        ended_at = x.ended_at, duration_seconds = x.duration_seconds, end_reason = x.end_reason,
        settle_after = x.settle_after, updated_at = now(),
        transcript = case when x.ended_here then ${transcriptExportOf(sql`v.id`)} else v.transcript end
    from x
    where v.id = any(array(select id from x)) and v.id = x.id`);
}

/** One row per span (spans are keyed by participant sid). */
function upsertParticipants(tx: Tx, participants: readonly Record<string, unknown>[]): Promise<unknown> {
  return tx.execute(sql`
    insert into ${callParticipants}
      (id, call_id, participant_sid, identity, kind, name, joined_at, left_at, duration_seconds)
    select id, call_id, participant_sid, identity, kind, name, joined_at, left_at, duration_seconds
    from jsonb_to_recordset(${jsonParam(participants)}) as x(
      id uuid, call_id uuid, participant_sid text, identity text, kind text, name text,
      joined_at timestamptz, left_at timestamptz, duration_seconds integer)
    on conflict (call_id, participant_sid) do update
    set joined_at = excluded.joined_at, left_at = excluded.left_at,
        duration_seconds = excluded.duration_seconds, name = excluded.name`);
}

/** Queued claimed (its first attempt counted): a job already queued for the call stays its holder's. */
async function queueJobs(tx: Tx, jobs: readonly Record<string, unknown>[]): Promise<QueuedJob[]> {
  const rows = rowsOf<{ id: string; call_id: string; kind: CallJobKind; attempts: number }>(
    await tx.execute(sql`
      insert into ${callJobs} (id, call_id, kind, run_at, locked_until, attempts)
      select id, call_id, kind, run_at, locked_until, 1
      from jsonb_to_recordset(${jsonParam(jobs)}) as x(
        id uuid, call_id uuid, kind text, run_at timestamptz, locked_until timestamptz)
      on conflict (call_id, kind) do nothing
      returning id, call_id, kind, attempts`),
  );
  return rows.map((row) => ({ id: row.id, callId: row.call_id, kind: row.kind, attempts: row.attempts }));
}
