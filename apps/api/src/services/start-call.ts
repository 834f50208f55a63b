import { AppError, roomNameForCall, visitorIdentity } from '@voicedesk/core';
import { newId, voiceCalls } from '@voicedesk/db';
import { and, count, eq, inArray } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { runDueCallJobs } from './call-jobs.ts';
import { notifyCallChanged } from './live/notify.ts';
import { queueRecordingStart } from './recordings.ts';
import type { SiteRow } from './sites.ts';
import { visitorKeyFor } from './visitor-key.ts';

export interface StartedCall {
  callId: string;
  roomName: string;
  token: string;
  livekitUrl: string;
  expiresAt: string;
  visitorKey: string;
}

/**
 * A site's calls waiting to be answered and calls in progress are capped, so a script holding
 * the public site key cannot take every assistant slot (each minted call holds one until the
 * join window closes). Counted from the rows, so the cap holds across API instances (roughly:
 * two concurrent mints can both pass at the edge).
 */
async function checkSiteCapacity(deps: AppDeps, site: SiteRow): Promise<void> {
  const rows = await deps.database.db
    .select({ status: voiceCalls.status, n: count() })
    .from(voiceCalls)
    .where(
      and(eq(voiceCalls.siteId, site.id), inArray(voiceCalls.status, ['pending', 'ringing', 'connected'])),
    )
    .groupBy(voiceCalls.status);
  const of = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
  const waiting = of('pending') + of('ringing');
  if (waiting >= site.maxPendingCalls || of('connected') >= site.maxActiveCalls) {
    throw new AppError(
      429,
      'rate_limited',
      waiting >= site.maxPendingCalls
        ? 'too many calls are waiting to be answered on this site, try again shortly'
        : 'every line of this site is busy, try again shortly',
      'siteKey',
      { 'retry-after': '10' },
    );
  }
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

  await checkSiteCapacity(deps, site);
  await db.insert(voiceCalls).values({
    id: callId,
    roomName,
    siteId: site.id,
    callerIdentity: identity,
    callerName: callerName ?? null,
    joinDeadline: expiresAt,
  });

  try {
    await deps.livekit.createCallRoom(roomName, {
      emptyTimeoutSeconds: ttl,
      agentName: deps.config.agentName,
      dispatchMetadata: JSON.stringify({ callId }),
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
  await notifyCallChanged(db, callId).catch((err: unknown) => {
    deps.logger.warn({ callId, ...errorFacts(err) }, 'live view not told of the new call');
  });

  if (deps.config.recording.mode === 'builtin') {
    // The recorder joins before the visitor, so the greeting is in the recording from its first word.
    await queueRecordingStart(deps, callId);
    void runDueCallJobs(deps, { callId }).catch((err: unknown) => {
      deps.logger.warn({ callId, ...errorFacts(err) }, 'recording start deferred to the job runner');
    });
  }

  const token = await deps.livekit.mintVisitorToken({
    roomName,
    identity,
    name: callerName,
    ttlSeconds: ttl,
  });
  deps.logger.info({ callId, siteId: site.id }, 'call created');
  return {
    callId,
    roomName,
    token,
    livekitUrl: deps.livekit.publicUrl,
    expiresAt: expiresAt.toISOString(),
    visitorKey: visitorKeyFor(callId, deps.config.visitorKeySecret),
  };
}
