import { type CallJobKind, callJobs, voiceCalls } from '@voicedesk/db';
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { finalizeRecording, startRecording } from './recordings.ts';
import { assembleTranscript } from './transcript.ts';

/** A claim outlives any one job (a room delete is one request): a worker that died frees it by expiry. */
const CLAIM_SECONDS = 60;
const MAX_BACKOFF_SECONDS = 300;

export function jobBackoffSeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.min(attempts, 10));
}

async function perform(deps: AppDeps, kind: CallJobKind, callId: string, roomName: string): Promise<void> {
  switch (kind) {
    case 'freeze_transcript':
      await assembleTranscript(deps.database.db, callId);
      return;
    case 'delete_room':
      // Closing the room releases the worker's job and tells a waiting visitor the call is over.
      await deps.livekit.deleteRoom(roomName);
      return;
    case 'start_recording':
      await startRecording(deps, callId);
      return;
    case 'finalize_recording':
      await finalizeRecording(deps, callId);
      return;
  }
}

/** Logged and stored by kind of failure only: messages can carry a query's values. */
function failureCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code.slice(0, 64);
  }
  return err instanceof Error ? err.name : 'unknown';
}

/**
 * Claims due call jobs (`FOR UPDATE SKIP LOCKED`, so API instances never take the same one),
 * runs them, and marks each done or reschedules it with exponential backoff.
 */
export async function runDueCallJobs(
  deps: AppDeps,
  options: { callId?: string; limit?: number } = {},
): Promise<{ done: number; failed: number }> {
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const due = db
    .select({ id: callJobs.id })
    .from(callJobs)
    .where(
      and(
        isNull(callJobs.doneAt),
        lte(callJobs.runAt, now),
        or(isNull(callJobs.lockedUntil), lte(callJobs.lockedUntil, now)),
        options.callId ? eq(callJobs.callId, options.callId) : undefined,
      ),
    )
    .orderBy(asc(callJobs.runAt))
    .limit(options.limit ?? 50)
    .for('update', { skipLocked: true });
  const claimed = await db
    .update(callJobs)
    .set({
      lockedUntil: new Date(now.getTime() + CLAIM_SECONDS * 1000),
      attempts: sql`${callJobs.attempts} + 1`,
    })
    .where(inArray(callJobs.id, due))
    .returning({
      id: callJobs.id,
      callId: callJobs.callId,
      kind: callJobs.kind,
      attempts: callJobs.attempts,
    });
  if (claimed.length === 0) return { done: 0, failed: 0 };

  const rooms = await db
    .select({ id: voiceCalls.id, roomName: voiceCalls.roomName })
    .from(voiceCalls)
    .where(inArray(voiceCalls.id, [...new Set(claimed.map((j) => j.callId))]));
  const roomOf = new Map(rooms.map((r) => [r.id, r.roomName]));

  let done = 0;
  let failed = 0;
  for (const job of claimed) {
    try {
      await perform(deps, job.kind, job.callId, roomOf.get(job.callId) ?? '');
      await db
        .update(callJobs)
        .set({ doneAt: new Date(), lockedUntil: null, lastError: null })
        .where(eq(callJobs.id, job.id));
      done++;
    } catch (err) {
      failed++;
      const code = failureCode(err);
      const retryIn = jobBackoffSeconds(job.attempts);
      deps.logger.warn(
        { callId: job.callId, job: job.kind, attempts: job.attempts, code, retryInSeconds: retryIn },
        'call job failed, will retry',
      );
      await db
        .update(callJobs)
        .set({ lockedUntil: null, lastError: code, runAt: new Date(Date.now() + retryIn * 1000) })
        .where(eq(callJobs.id, job.id));
    }
  }
  return { done, failed };
}
