import { AppError, roomNameForCall, visitorIdentity } from '@voicedesk/core';
import { newId, voiceCalls } from '@voicedesk/db';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
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
    deps.logger.error({ callId, err: String(err) }, 'could not create room or dispatch agent');
    await db.delete(voiceCalls).where(eq(voiceCalls.id, callId));
    await deps.livekit.deleteRoom(roomName).catch(() => {});
    throw new AppError(
      503,
      'voice_unavailable',
      'the voice service is unavailable, please try again shortly',
    );
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
    visitorKey: visitorKeyFor(callId, deps.config.internalServiceKey),
  };
}
