import { AppError, isTerminal } from '@voicedesk/core';
import { callEvents, recordings, sites, voiceCalls } from '@voicedesk/db';
import { and, asc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { type AuditActor, audit } from './audit.ts';
import { recordingKey } from './recordings.ts';

/**
 * Erases a call everywhere: its audio (the recording and any chunk left), then its row, which
 * takes segments (and their search index), participants, events, metrics, jobs and the recording
 * row with it (foreign keys cascade). Objects go first: if the store fails, nothing is gone and
 * the erasure can simply be asked again. A call in progress cannot be erased.
 */
export async function eraseCall(
  deps: AppDeps,
  callId: string,
  by: { actor: AuditActor; action: 'call.delete' | 'retention.delete' },
): Promise<{ objects: number }> {
  const { db } = deps.database;
  const [call] = await db
    .select({ status: voiceCalls.status, roomName: voiceCalls.roomName })
    .from(voiceCalls)
    .where(eq(voiceCalls.id, callId));
  if (!call) throw new AppError(404, 'call_not_found', 'no such call', 'id');
  if (!isTerminal(call.status)) {
    throw new AppError(
      409,
      'call_not_active',
      'the call is still in progress: end it before erasing it',
      'id',
    );
  }
  const [row] = await db
    .select({ key: recordings.key })
    .from(recordings)
    .where(eq(recordings.callId, callId));
  const keys = new Set([recordingKey(callId), ...(row ? [row.key] : [])]);
  for (const key of await deps.storage.list(`recordings/${callId}/`)) keys.add(key);
  try {
    await Promise.all([...keys].map((key) => deps.storage.delete(key)));
  } catch {
    throw new AppError(
      503,
      'storage_unavailable',
      'the recording store is unavailable; nothing was erased, try again',
    );
  }
  await db.transaction(async (tx) => {
    // Webhooks that named only the room (never linked to the call) go too.
    await tx.delete(callEvents).where(eq(callEvents.roomName, call.roomName));
    await tx.delete(voiceCalls).where(eq(voiceCalls.id, callId));
  });
  await audit(db, { actor: by.actor, action: by.action, callId, details: { objects: keys.size } });
  return { objects: keys.size };
}

/**
 * Per-site retention: calls that ended more than `retention_days` ago are erased, a page at a
 * time, each with its audit row. Sites without a retention period keep everything.
 */
export async function applyRetention(deps: AppDeps, limit = 50): Promise<number> {
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const expired = await db
    .select({ id: voiceCalls.id })
    .from(voiceCalls)
    .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
    .where(
      and(
        isNotNull(sites.retentionDays),
        isNotNull(voiceCalls.endedAt),
        lt(
          voiceCalls.endedAt,
          sql`${now.toISOString()}::timestamptz - make_interval(days => ${sites.retentionDays})`,
        ),
      ),
    )
    .orderBy(asc(voiceCalls.endedAt))
    .limit(limit);
  let erased = 0;
  for (const { id } of expired) {
    try {
      await eraseCall(deps, id, { actor: 'system:retention', action: 'retention.delete' });
      erased++;
    } catch (err) {
      deps.logger.warn(
        { callId: id, code: err instanceof AppError ? err.code : 'unknown' },
        'retention: erase deferred',
      );
    }
  }
  return erased;
}
