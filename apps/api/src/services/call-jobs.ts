import { type CallJobKind, callJobs, voiceCalls } from '@voicedesk/db';
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { finalizeRecording, startRecording } from './recordings.ts';
import { assembleTranscript } from './transcript.ts';

/** A claim outlives any one job (a room delete is one request): a worker that died frees it by expiry. */
export const CLAIM_SECONDS = 60;
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
 * A call's end jobs touch different things (its room, its transcript), so they run together;
 * a recording's jobs run first, one at a time, in this order (a recording starts before it ends).
 */
const ONE_AT_A_TIME: readonly CallJobKind[] = ['start_recording', 'finalize_recording'];

/** A job its holder may run until the claim expires (`locked_until`), `attempts` counting this one. */
export interface ClaimedJob {
  id: string;
  callId: string;
  kind: CallJobKind;
  attempts: number;
  roomName: string;
}

/**
 * Claims due call jobs (`FOR UPDATE SKIP LOCKED`, so API instances never take the same one)
 * with their calls' room names in the same statement, and runs them.
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
  const claimed: ClaimedJob[] = await db
    .update(callJobs)
    .set({
      lockedUntil: new Date(now.getTime() + CLAIM_SECONDS * 1000),
      attempts: sql`${callJobs.attempts} + 1`,
    })
    .from(voiceCalls)
    .where(and(inArray(callJobs.id, due), eq(voiceCalls.id, callJobs.callId)))
    .returning({
      id: callJobs.id,
      callId: callJobs.callId,
      kind: callJobs.kind,
      attempts: callJobs.attempts,
      roomName: voiceCalls.roomName,
    });
  return runClaimedJobs(deps, claimed);
}

/**
 * Runs jobs this instance holds (claimed here, or by the transaction that queued them) call by
 * call, and marks a call's done ones in one statement; a failed one is rescheduled with
 * exponential backoff.
 */
export async function runClaimedJobs(
  deps: AppDeps,
  claimed: readonly ClaimedJob[],
): Promise<{ done: number; failed: number }> {
  if (claimed.length === 0) return { done: 0, failed: 0 };
  const { db } = deps.database;
  const byCall = new Map<string, ClaimedJob[]>();
  for (const job of claimed) {
    const jobs = byCall.get(job.callId) ?? [];
    jobs.push(job);
    byCall.set(job.callId, jobs);
  }
  let done = 0;
  let failed = 0;
  for (const jobs of byCall.values()) {
    const finished: string[] = [];
    const attempt = async (job: ClaimedJob) => {
      try {
        await perform(deps, job.kind, job.callId, job.roomName);
        finished.push(job.id);
      } catch (err) {
        failed++;
        await reschedule(deps, job, err);
      }
    };
    for (const kind of ONE_AT_A_TIME) {
      for (const job of jobs.filter((j) => j.kind === kind)) await attempt(job);
    }
    await Promise.all(jobs.filter((j) => !ONE_AT_A_TIME.includes(j.kind)).map(attempt));
    if (finished.length === 0) continue;
    await db
      .update(callJobs)
      .set({ doneAt: new Date(), lockedUntil: null, lastError: null })
      .where(inArray(callJobs.id, finished));
    done += finished.length;
  }
  return { done, failed };
}

async function reschedule(deps: AppDeps, job: ClaimedJob, err: unknown): Promise<void> {
  const code = failureCode(err);
  const retryIn = jobBackoffSeconds(job.attempts);
  deps.logger.warn(
    { callId: job.callId, job: job.kind, attempts: job.attempts, code, retryInSeconds: retryIn },
    'call job failed, will retry',
  );
  await deps.database.db
    .update(callJobs)
    .set({ lockedUntil: null, lastError: code, runAt: new Date(Date.now() + retryIn * 1000) })
    .where(eq(callJobs.id, job.id));
}
