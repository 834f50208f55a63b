import { randomUUID } from 'node:crypto';
import { participantKindOf } from '@voicedesk/core';
import { sites, voiceCalls } from '@voicedesk/db';
import { and, asc, eq, gt, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { applyCallEvent } from './apply-call-event.ts';
import { applyRetention } from './call-erasure.ts';
import { runDueCallJobs } from './call-jobs.ts';
import { expireEscalations } from './escalations/respond.ts';
import { handBackAbandonedCalls } from './escalations/staff-left.ts';
import { acquireLease } from './leases.ts';
import type { RoomParticipant } from './livekit-gateway.ts';
import { noAssistantJoined } from './no-assistant.ts';
import { pruneRateLimits } from './rate-limiter.ts';
import { closeStalledRecordings } from './recordings.ts';
import { redispatchLostAssistants, redispatchUnanswered } from './redispatch.ts';

const RETENTION_INTERVAL_MS = 60_000;

/** Past the site's longest call by this much, a call is lost even if LiveKit cannot be asked. */
const OVERRUN_GRACE_SECONDS = 120;
const PAGE = 100;

type SweepEvent = 'assistant_join_timeout' | 'join_window_expired' | 'room_lost' | 'settle';

async function sweepEvent(deps: AppDeps, callId: string, type: SweepEvent, now: Date, key = '') {
  await applyCallEvent(deps, {
    // Deterministic: a second sweep (or instance) records each observation once.
    eventId: `sweep:${type}:${callId}${key}`,
    type,
    source: 'sweeper',
    callId,
    createdAt: now,
    lifecycle: { type, at: now.getTime() },
    payload: {},
  });
}

/**
 * LiveKit's own participant list is a witness too: webhooks it could not deliver within its
 * max_age are gone for good, so before a deadline ends a call, what LiveKit still holds is
 * recorded. Returns null when the room is gone, undefined when LiveKit cannot be asked.
 */
async function reconcileRoom(
  deps: AppDeps,
  call: { id: string; roomName: string },
): Promise<RoomParticipant[] | null | undefined> {
  const participants = await deps.livekit.roomParticipants(call.roomName).catch((err: unknown) => {
    deps.logger.warn({ callId: call.id, ...errorFacts(err) }, 'cannot list room participants');
    return undefined;
  });
  for (const p of participants ?? []) {
    const at = p.joinedAtMs || Date.now();
    await applyCallEvent(deps, {
      eventId: `reconcile:join:${p.sid}`,
      type: 'participant_joined',
      source: 'sweeper',
      callId: call.id,
      createdAt: new Date(at),
      lifecycle: {
        type: 'participant_joined',
        at,
        sid: p.sid,
        identity: p.identity,
        name: p.name,
        kind: participantKindOf(p.identity, p.isAgent),
      },
      payload: { reconciled: true },
    });
  }
  return participants;
}

/** Pending calls past the join window, and calls with no assistant past its join timeout. */
async function sweepDeadlines(deps: AppDeps, now: Date): Promise<number> {
  const { db } = deps.database;
  const assistantDeadline = new Date(now.getTime() - deps.config.agentJoinTimeoutSeconds * 1000);
  const joinDeadline = new Date(now.getTime() - deps.config.visitorJoinWindowSeconds * 1000);
  const noAssistant = noAssistantJoined(db);
  const overdue = await db
    .select({ id: voiceCalls.id, roomName: voiceCalls.roomName, createdAt: voiceCalls.createdAt })
    .from(voiceCalls)
    .where(
      or(
        and(eq(voiceCalls.status, 'pending'), lt(voiceCalls.createdAt, joinDeadline)),
        and(
          inArray(voiceCalls.status, ['pending', 'ringing']),
          lt(voiceCalls.createdAt, assistantDeadline),
          noAssistant,
        ),
      ),
    )
    .orderBy(asc(voiceCalls.createdAt))
    .limit(PAGE);
  let swept = 0;
  for (const call of overdue) {
    const participants = await reconcileRoom(deps, call);
    if (participants === null || participants?.length === 0) {
      // Gone, or empty: someone may have come and gone unheard (webhooks lost in an API
      // outage). Not a cause: wait for the agent's report, then settle (rule 3).
      await sweepEvent(deps, call.id, 'room_lost', now);
    } else {
      // LiveKit answered who is there (or could not be asked, and the deadline stands).
      const kinds = new Set((participants ?? []).map((p) => participantKindOf(p.identity, p.isAgent)));
      if (!kinds.has('ai') && call.createdAt < assistantDeadline) {
        await sweepEvent(deps, call.id, 'assistant_join_timeout', now);
      }
      if (!kinds.has('visitor') && call.createdAt < joinDeadline) {
        await sweepEvent(deps, call.id, 'join_window_expired', now);
      }
    }
    swept++;
  }
  return swept;
}

/**
 * Calls in progress whose room the media server no longer has: it crashed or restarted, or the
 * room closed while the API could not hear about it. Every live call is checked, a page at a
 * time. When LiveKit cannot be asked, only calls past their site's maximum length count.
 */
async function sweepLostRooms(deps: AppDeps, now: Date): Promise<number> {
  const { db } = deps.database;
  const settled = new Date(now.getTime() - deps.config.roomLostGraceSeconds * 1000);
  let lost = 0;
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db
      .select({
        id: voiceCalls.id,
        roomName: voiceCalls.roomName,
        createdAt: voiceCalls.createdAt,
        overdue: sql<boolean>`${voiceCalls.createdAt} < ${now.toISOString()}::timestamptz
          - make_interval(secs => ${sites.maxCallSeconds} + ${OVERRUN_GRACE_SECONDS})`,
      })
      .from(voiceCalls)
      .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
      .where(
        and(
          inArray(voiceCalls.status, ['ringing', 'connected']),
          lt(voiceCalls.createdAt, settled),
          after
            ? or(
                gt(voiceCalls.createdAt, after.createdAt),
                and(eq(voiceCalls.createdAt, after.createdAt), gt(voiceCalls.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(asc(voiceCalls.createdAt), asc(voiceCalls.id))
      .limit(PAGE);
    if (page.length === 0) break;
    const existing = await deps.livekit.existingRooms(page.map((c) => c.roomName)).catch((err: unknown) => {
      deps.logger.warn(errorFacts(err), 'cannot list rooms; only overdue calls are swept');
      return undefined;
    });
    for (const call of page) {
      if (existing ? existing.has(call.roomName) : !call.overdue) continue;
      await sweepEvent(deps, call.id, 'room_lost', now);
      lost++;
    }
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    after = { createdAt: last.createdAt, id: last.id };
  }
  return lost;
}

/** Unsettled calls whose grace has passed: no witness explained them, so end them from the log. */
async function settleCalls(deps: AppDeps, now: Date): Promise<number> {
  const due = await deps.database.db
    .select({ id: voiceCalls.id, settleAfter: voiceCalls.settleAfter })
    .from(voiceCalls)
    .where(and(isNotNull(voiceCalls.settleAfter), lt(voiceCalls.settleAfter, now)))
    .orderBy(asc(voiceCalls.settleAfter))
    .limit(PAGE);
  for (const call of due) {
    await sweepEvent(deps, call.id, 'settle', now, `:${call.settleAfter?.getTime() ?? 0}`);
  }
  return due.length;
}

/**
 * Ends calls that no webhook will ever end, settles calls nobody explained, dispatches again the
 * assistants of calls no worker took or that lost theirs while with staff, expires offers and
 * gives calls whose staff member left back to the assistant, closes recordings whose recorder fell
 * silent, and runs the work calls still owe (room deletes, recordings to start or join) that
 * failed the first time.
 */
export async function sweepOnce(deps: AppDeps): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const swept =
    (await sweepDeadlines(deps, now)) + (await sweepLostRooms(deps, now)) + (await settleCalls(deps, now));
  await redispatchUnanswered(deps, now);
  await redispatchLostAssistants(deps, now);
  await expireEscalations(deps, now);
  await handBackAbandonedCalls(deps, now);
  await closeStalledRecordings(deps);
  await runDueCallJobs(deps);
  await pruneRateLimits(deps.database.db, now);
  return swept;
}

/**
 * Every API instance starts one, but only the holder of the `sweeper` lease sweeps, and a
 * sweep never overlaps the previous one: a slow sweep delays the next tick instead.
 */
export function startSweeper(deps: AppDeps): { stop(): Promise<void> } {
  const holder = randomUUID();
  const leaseMs = Math.max(10_000, deps.config.sweepIntervalMs * 5);
  let running: Promise<unknown> | null = null;
  let retentionDueAt = 0;
  const tick = async () => {
    const now = deps.now?.() ?? new Date();
    if (!(await acquireLease(deps.database.db, 'sweeper', holder, now, leaseMs))) return;
    await sweepOnce(deps);
    // Expiry is counted in days: once a minute is plenty, and keeps the scan off every tick.
    if (now.getTime() >= retentionDueAt) {
      retentionDueAt = now.getTime() + RETENTION_INTERVAL_MS;
      await applyRetention(deps);
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => deps.logger.error(errorFacts(err), 'sweep failed'))
      .finally(() => {
        running = null;
      });
  }, deps.config.sweepIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
