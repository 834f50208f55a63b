import { AppError, roomNameForCall, visitorIdentity } from '@voicedesk/core';
import { newId, rowsOf, voiceCalls } from '@voicedesk/db';
import { eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { runDueCallJobs } from './call-jobs.ts';
import { notifyCallChanged } from './live/notify.ts';
import { queueRecordingStart, recordingNoticeFor } from './recordings.ts';
import type { SiteRow } from './sites.ts';
import { visitorKeyFor } from './visitor-key.ts';

export interface StartedCall {
  callId: string;
  roomName: string;
  token: string;
  livekitUrl: string;
  expiresAt: string;
  visitorKey: string;
  recording: ReturnType<typeof recordingNoticeFor>;
}

type NewCallRow = {
  id: string;
  roomName: string;
  callerIdentity: string;
  callerName: string | null;
  joinDeadline: Date;
  recordingAnnounced: boolean;
};

/**
 * A site's calls waiting to be answered and calls in progress are capped, so a script holding
 * the public site key cannot take every assistant slot (each minted call holds one until the
 * join window closes). Counted from the rows, so the cap holds across API instances (roughly:
 * two concurrent mints can both pass at the edge). The count and the insert are one statement,
 * one round trip: the row is written only when the counts are under the caps.
 */
async function insertWithinCaps(deps: AppDeps, site: SiteRow, call: NewCallRow): Promise<void> {
  const result = await deps.database.db.execute(sql`
    with active as (
      select count(*) filter (where status in ('pending', 'ringing'))::int as waiting,
             count(*) filter (where status = 'connected')::int as connected
      from ${voiceCalls}
      where site_id = ${site.id} and status in ('pending', 'ringing', 'connected')
    ), inserted as (
      insert into ${voiceCalls} (id, room_name, site_id, caller_identity, caller_name, join_deadline,
                                 recording_announced)
      select ${call.id}::uuid, ${call.roomName}::text, ${site.id}::uuid, ${call.callerIdentity}::text,
             ${call.callerName}::text, ${call.joinDeadline.toISOString()}::timestamptz,
             ${call.recordingAnnounced}::boolean
      from active
      where waiting < ${site.maxPendingCalls}::int and connected < ${site.maxActiveCalls}::int
      returning id
    )
    select waiting, connected, (select count(*)::int from inserted) as inserted from active`);
  const [counts] = rowsOf<{ waiting: number; connected: number; inserted: number }>(result);
  if (counts?.inserted === 1) return;
  const waitingFull = (counts?.waiting ?? 0) >= site.maxPendingCalls;
  throw new AppError(
    429,
    'rate_limited',
    waitingFull
      ? 'too many calls are waiting to be answered on this site, try again shortly'
      : 'every line of this site is busy, try again shortly',
    'siteKey',
    { 'retry-after': '10' },
  );
}

/** What the assistant's job is dispatched with: which call it answers (apps/agent/src/dispatch.ts). */
export function dispatchMetadataFor(callId: string): string {
  return JSON.stringify({ callId });
}

/**
 * Creates the row, then the room with its agent dispatch. The agent is dispatched now,
 * not when the visitor joins, so the worker is in the room with its greeting ready by the
 * time the visitor's microphone is live.
 */
export async function startCall(
  deps: AppDeps,
  site: SiteRow,
  callerName: string | undefined,
): Promise<StartedCall> {
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const callId = newId();
  const roomName = roomNameForCall(callId);
  const identity = visitorIdentity(callId);
  const ttl = deps.config.visitorTokenTtlSeconds;
  const expiresAt = new Date(now.getTime() + ttl * 1000);
  // Decided once, here: the answer tells the visitor, and the recording's start keeps to it.
  const recording = recordingNoticeFor(deps, site);

  // Signed first, so its CPU work overlaps the round trips below instead of following them; a
  // call that fails below never hands it out.
  const token = deps.livekit.mintVisitorToken({ roomName, identity, name: callerName, ttlSeconds: ttl });
  token.catch(() => {});

  await insertWithinCaps(deps, site, {
    id: callId,
    roomName,
    callerIdentity: identity,
    callerName: callerName ?? null,
    joinDeadline: expiresAt,
    recordingAnnounced: recording.enabled,
  });

  try {
    await deps.livekit.createCallRoom(roomName, {
      emptyTimeoutSeconds: ttl,
      agentName: deps.config.agentName,
      dispatchMetadata: dispatchMetadataFor(callId),
    });
  } catch (err) {
    // No half-written call: without a room and an assistant there is no call to keep.
    deps.logger.error({ callId, ...errorFacts(err) }, 'could not create room or dispatch agent');
    await db.delete(voiceCalls).where(eq(voiceCalls.id, callId));
    await deps.livekit.deleteRoom(roomName).catch(() => {});
    throw new AppError(
      503,
      'voice_unavailable',
      'the voice service is unavailable, please try again shortly',
    );
  }

  // Told once the room exists, not with the insert: a call whose room could not be made is
  // deleted above, and the Live view would keep showing it. Best effort: the call is made.
  const told = notifyCallChanged(db, callId).catch((err: unknown) => {
    deps.logger.warn({ callId, ...errorFacts(err) }, 'live view not told of the new call');
  });
  if (deps.config.recording.mode === 'builtin') {
    // The recorder joins before the visitor, so the greeting is in the recording from its first word.
    await queueRecordingStart(deps, callId);
    void runDueCallJobs(deps, { callId }).catch((err: unknown) => {
      deps.logger.warn({ callId, ...errorFacts(err) }, 'recording start deferred to the job runner');
    });
  }
  await told;

  deps.logger.info({ callId, siteId: site.id }, 'call created');
  return {
    callId,
    roomName,
    token: await token,
    livekitUrl: deps.livekit.publicUrl,
    expiresAt: expiresAt.toISOString(),
    visitorKey: visitorKeyFor(callId, deps.config.visitorKeySecret),
    recording,
  };
}
