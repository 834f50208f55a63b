import { EgressStatus } from '@livekit/protocol';
import type { RecordingStatus } from '@voicedesk/core';
import { recordings } from '@voicedesk/db';
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { WebhookEvent } from 'livekit-server-sdk';
import type { AppDeps } from '../deps.ts';

type EgressInfo = NonNullable<WebhookEvent['egressInfo']>;

function statusOf(status: EgressStatus): RecordingStatus {
  switch (status) {
    case EgressStatus.EGRESS_COMPLETE:
      return 'complete';
    // The file holds the call up to the limit: playable, but not all of it.
    case EgressStatus.EGRESS_LIMIT_REACHED:
      return 'partial';
    case EgressStatus.EGRESS_FAILED:
    case EgressStatus.EGRESS_ABORTED:
      return 'failed';
    default:
      return 'active';
  }
}

const nsToDate = (ns: bigint) => (ns > 0n ? new Date(Number(ns / 1_000_000n)) : null);

/**
 * Keeps an egress recording's row true from LiveKit Egress's webhooks (egress_started, _updated,
 * _ended). Replays never reach here (the event log dedupes them by id), and a late `updated`
 * cannot reopen a recording an `ended` already closed: only an active row is changed.
 * Events of an egress that is not this call's are ignored.
 */
export async function applyEgressUpdate(
  deps: AppDeps,
  info: EgressInfo,
  callId: string | undefined,
): Promise<boolean> {
  const status = statusOf(info.status);
  const file = info.fileResults[0];
  const startedAt = nsToDate(file?.startedAt ?? 0n) ?? nsToDate(info.startedAt);
  const endedAt = nsToDate(file?.endedAt ?? 0n) ?? nsToDate(info.endedAt);
  const updated = await deps.database.db
    .update(recordings)
    .set({
      egressId: info.egressId,
      status,
      ...(startedAt ? { startedAt } : {}),
      ...(status !== 'active' ? { endedAt: endedAt ?? new Date() } : {}),
      ...(file && file.size > 0n ? { bytes: Number(file.size) } : {}),
      ...(file && file.duration > 0n ? { durationMs: Number(file.duration / 1_000_000n) } : {}),
      ...(file?.filename ? { key: file.filename } : {}),
      ...(info.error ? { error: info.error.slice(0, 500) } : {}),
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(recordings.status, 'active'),
        // Its webhook can overtake the start request's answer, which stores the id.
        or(
          eq(recordings.egressId, info.egressId),
          callId ? and(eq(recordings.callId, callId), isNull(recordings.egressId)) : undefined,
        ),
      ),
    )
    .returning({ callId: recordings.callId });
  return updated.length > 0;
}
