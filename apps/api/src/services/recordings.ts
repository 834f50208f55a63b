import {
  AppError,
  isTerminal,
  RECORDER_IDENTITY_PREFIX,
  RECORDING_CODEC,
  RECORDING_CONTENT_TYPE,
  type RecorderStart,
  type RecordingChunkQuery,
  type RecordingFinish,
} from '@voicedesk/core';
import { callJobs, newId, recordings, sites, voiceCalls } from '@voicedesk/db';
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';

export type RecordingRow = typeof recordings.$inferSelect;

/** The finished recording; chunks live under `recordings/<callId>/` until they are joined into it. */
export const recordingKey = (callId: string) => `recordings/${callId}.ogg`;
const chunkPrefix = (callId: string) => `recordings/${callId}/`;
export const chunkKey = (callId: string, seq: number) =>
  `${chunkPrefix(callId)}${String(seq).padStart(6, '0')}.ogg`;

/** The recorder's token outlives any call (VISITOR_TOKEN_TTL plus the longest call). */
const RECORDER_TOKEN_TTL_SECONDS = 6 * 60 * 60;

export async function loadRecording(deps: AppDeps, callId: string): Promise<RecordingRow | undefined> {
  const [row] = await deps.database.db.select().from(recordings).where(eq(recordings.callId, callId));
  return row;
}

/** What a visitor is told before a call: whether it is recorded, and the site's notice if so. */
export function recordingNoticeFor(
  deps: AppDeps,
  site: { recordingEnabled: boolean; recordingNotice: string | null },
): { enabled: boolean; notice: string | null } {
  const enabled = site.recordingEnabled && deps.config.recording.mode !== 'off';
  return { enabled, notice: enabled ? site.recordingNotice : null };
}

/** Queues the job that starts the call's recorder (run at once, retried with backoff). */
export async function queueRecordingStart(deps: AppDeps, callId: string): Promise<void> {
  if (deps.config.recording.mode === 'off') return;
  await deps.database.db
    .insert(callJobs)
    .values({ id: newId(), callId, kind: 'start_recording', runAt: deps.now?.() ?? new Date() })
    .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] });
}

/**
 * The `start_recording` job: writes the row (once) and asks the recorder to join, or LiveKit
 * Egress to start. Calls of a site that does not record get neither a row nor an object.
 */
export async function startRecording(deps: AppDeps, callId: string): Promise<void> {
  const { mode } = deps.config.recording;
  if (mode === 'off') return;
  const { db } = deps.database;
  const [call] = await db
    .select({
      roomName: voiceCalls.roomName,
      status: voiceCalls.status,
      recordingEnabled: sites.recordingEnabled,
      announced: voiceCalls.recordingAnnounced,
    })
    .from(voiceCalls)
    .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
    .where(eq(voiceCalls.id, callId));
  // Recorded only as its visitor was told: a site that starts recording after the call was minted
  // records its next calls, not this one; one that stops records neither.
  if (!call?.recordingEnabled || !call.announced || isTerminal(call.status)) return;

  await db
    .insert(recordings)
    .values({
      id: newId(),
      callId,
      mode,
      storage: deps.storage.kind,
      bucket: deps.storage.bucket ?? null,
      key: recordingKey(callId),
      contentType: RECORDING_CONTENT_TYPE,
      codec: RECORDING_CODEC,
    })
    .onConflictDoNothing({ target: recordings.callId });

  if (mode === 'builtin') {
    const token = await deps.livekit.mintRecorderToken({
      roomName: call.roomName,
      identity: `${RECORDER_IDENTITY_PREFIX}${callId}`,
      ttlSeconds: RECORDER_TOKEN_TTL_SECONDS,
    });
    const body: RecorderStart = {
      callId,
      roomName: call.roomName,
      livekitUrl: deps.config.livekit.urls[0] ?? deps.livekit.publicUrl,
      token,
    };
    const res = await fetch(new URL('/recordings', deps.config.recording.recorderUrl), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${deps.config.internalServiceKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw Object.assign(new Error('recorder refused'), { code: `recorder_http_${res.status}` });
    return;
  }

  const row = await loadRecording(deps, callId);
  if (row?.egressId) return;
  const storage = deps.config.storage;
  if (storage.kind !== 's3') throw Object.assign(new Error('egress needs S3'), { code: 'egress_needs_s3' });
  const egressId = await deps.livekit.startAudioEgress({
    roomName: call.roomName,
    filepath: recordingKey(callId),
    s3: {
      accessKey: storage.accessKeyId,
      secret: storage.secretAccessKey,
      region: storage.region,
      endpoint: storage.endpoint ?? '',
      bucket: storage.bucket,
      forcePathStyle: storage.forcePathStyle,
    },
  });
  await db.update(recordings).set({ egressId, updatedAt: sql`now()` }).where(eq(recordings.callId, callId));
}

function activeBuiltin(row: RecordingRow | undefined): RecordingRow {
  if (row?.mode !== 'builtin') {
    throw new AppError(404, 'recording_not_found', 'this call has no built-in recording', 'id');
  }
  if (row.status !== 'active' || row.endedAt) {
    // Permanent: the recorder stops sending (and spooling) this recording.
    throw new AppError(409, 'recording_closed', 'this recording is already closed', 'id');
  }
  return row;
}

/** Stores one chunk (idempotent per seq: a retry overwrites the same object with the same bytes). */
export async function storeChunk(
  deps: AppDeps,
  callId: string,
  seq: number,
  query: RecordingChunkQuery,
  body: Buffer,
): Promise<void> {
  activeBuiltin(await loadRecording(deps, callId));
  const now = deps.now?.() ?? new Date();
  try {
    await deps.storage.put(chunkKey(callId, seq), body, RECORDING_CONTENT_TYPE);
  } catch (err) {
    // The recorder is alive and holds the chunk: a store outage is not a silent recorder.
    await deps.database.db.update(recordings).set({ lastChunkAt: now }).where(eq(recordings.callId, callId));
    deps.logger.warn({ callId, seq, code: (err as { name?: string }).name }, 'recording chunk not stored');
    throw new AppError(503, 'storage_unavailable', 'the recording store is unavailable, send it again later');
  }
  await deps.database.db
    .update(recordings)
    .set({
      chunks: sql`greatest(${recordings.chunks}, ${seq + 1})`,
      durationMs: sql`greatest(coalesce(${recordings.durationMs}, 0), ${query.durationMs})`,
      startedAt: sql`coalesce(${recordings.startedAt}, ${new Date(query.startedAt).toISOString()}::timestamptz)`,
      lastChunkAt: now,
      updatedAt: sql`now()`,
    })
    .where(eq(recordings.callId, callId));
}

/** The recorder is done: join the chunks (a job, so an S3 outage now only delays it). */
export async function finishRecording(deps: AppDeps, callId: string, finish: RecordingFinish): Promise<void> {
  activeBuiltin(await loadRecording(deps, callId));
  const now = deps.now?.() ?? new Date();
  await deps.database.db.transaction(async (tx) => {
    await tx
      .update(recordings)
      .set({
        endedAt: now,
        durationMs: finish.durationMs,
        chunks: sql`greatest(${recordings.chunks}, ${finish.chunks})`,
        ...(finish.speechOnsets ? { speechOnsets: finish.speechOnsets } : {}),
        ...(finish.startedAt ? { startedAt: new Date(finish.startedAt) } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(recordings.callId, callId));
    await tx
      .insert(callJobs)
      .values({ id: newId(), callId, kind: 'finalize_recording', runAt: now })
      .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] });
  });
}

/**
 * The `finalize_recording` job: joins the chunks, in order, into the one object admins play,
 * then deletes them. `complete` when the recorder finished with every chunk it announced;
 * `partial` when it went silent (crashed) or a chunk is missing; `failed` when the call was
 * answered but no audio arrived at all. A call nobody answered keeps no recording.
 */
export async function finalizeRecording(deps: AppDeps, callId: string): Promise<void> {
  const row = await loadRecording(deps, callId);
  if (row?.mode !== 'builtin' || row.status !== 'active') return;
  const { db } = deps.database;
  const keys = await deps.storage.list(chunkPrefix(callId));
  const contiguous: string[] = [];
  for (const [seq, key] of keys.entries()) {
    if (key !== chunkKey(callId, seq)) break;
    contiguous.push(key);
  }
  if (contiguous.length === 0) {
    const [call] = await db
      .select({ connectedAt: voiceCalls.connectedAt })
      .from(voiceCalls)
      .where(eq(voiceCalls.id, callId));
    if (!call?.connectedAt) {
      await db.delete(recordings).where(eq(recordings.callId, callId));
      return;
    }
    await db
      .update(recordings)
      .set({
        status: 'failed',
        error: row.error ?? 'no audio was recorded',
        endedAt: row.endedAt ?? new Date(),
      })
      .where(eq(recordings.callId, callId));
    return;
  }
  const parts: Buffer[] = [];
  for (const key of contiguous) {
    const obj = await deps.storage.get(key);
    if (!obj) throw Object.assign(new Error('chunk vanished'), { code: 'chunk_missing' });
    parts.push(Buffer.concat(await obj.body.toArray()));
  }
  const file = Buffer.concat(parts);
  await deps.storage.put(row.key, file, RECORDING_CONTENT_TYPE);
  const whole = row.endedAt !== null && contiguous.length === keys.length && contiguous.length >= row.chunks;
  await db
    .update(recordings)
    .set({
      status: whole ? 'complete' : 'partial',
      bytes: file.length,
      endedAt: row.endedAt ?? row.lastChunkAt ?? new Date(),
      ...(whole ? {} : { error: row.error ?? 'the recorder stopped before the call ended' }),
      updatedAt: sql`now()`,
    })
    .where(eq(recordings.callId, callId));
  await Promise.all(keys.map((key) => deps.storage.delete(key)));
}

/**
 * Sweeper: a builtin recording whose recorder fell silent (no chunk for RECORDING_STALL_SECONDS)
 * after its call ended is closed with what arrived.
 */
export async function closeStalledRecordings(deps: AppDeps): Promise<number> {
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const before = new Date(now.getTime() - deps.config.recording.stallSeconds * 1000);
  const stalled = await db
    .select({ callId: recordings.callId })
    .from(recordings)
    .innerJoin(voiceCalls, eq(voiceCalls.id, recordings.callId))
    .where(
      and(
        eq(recordings.status, 'active'),
        eq(recordings.mode, 'builtin'),
        isNull(recordings.endedAt),
        lt(
          sql`coalesce(${recordings.lastChunkAt}, ${recordings.createdAt})`,
          sql`${before.toISOString()}::timestamptz`,
        ),
        inArray(voiceCalls.status, ['completed', 'missed', 'failed']),
      ),
    )
    .limit(100);
  if (stalled.length === 0) return 0;
  await db
    .insert(callJobs)
    .values(
      stalled.map(({ callId }) => ({ id: newId(), callId, kind: 'finalize_recording' as const, runAt: now })),
    )
    .onConflictDoNothing({ target: [callJobs.callId, callJobs.kind] });
  return stalled.length;
}
