import { callParticipants, sites, voiceCalls } from '@voicedesk/db';
import { and, eq, inArray, lt, notExists, sql } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { applyCallEvent } from './apply-call-event.ts';
import { pruneRateLimits } from './rate-limiter.ts';

/** Past the site's longest call by this much, a call is lost even if LiveKit cannot be asked. */
const OVERRUN_GRACE_SECONDS = 120;

/**
 * Calls in progress whose room the media server no longer has: it crashed or restarted, and
 * the webhooks that would have ended them will never come. When LiveKit cannot be asked,
 * only calls past their site's maximum length (plus grace) are called lost.
 */
async function lostCalls(deps: AppDeps, now: Date): Promise<string[]> {
  const { db } = deps.database;
  const settled = new Date(now.getTime() - deps.config.roomLostGraceSeconds * 1000);
  const live = await db
    .select({
      id: voiceCalls.id,
      roomName: voiceCalls.roomName,
      overdue: sql<boolean>`${voiceCalls.createdAt} < ${now.toISOString()}::timestamptz
        - make_interval(secs => ${sites.maxCallSeconds} + ${OVERRUN_GRACE_SECONDS})`,
    })
    .from(voiceCalls)
    .innerJoin(sites, eq(sites.id, voiceCalls.siteId))
    .where(and(inArray(voiceCalls.status, ['ringing', 'connected']), lt(voiceCalls.createdAt, settled)))
    .limit(100);
  if (live.length === 0) return [];
  const existing = await deps.livekit.existingRooms(live.map((c) => c.roomName)).catch((err: unknown) => {
    deps.logger.warn({ err: String(err) }, 'cannot list rooms; only overdue calls are swept');
    return undefined;
  });
  return live.filter((c) => (existing ? !existing.has(c.roomName) : c.overdue)).map((c) => c.id);
}

/**
 * Ends calls that no webhook will ever end: no assistant joined in time, the visitor never
 * used the token, or the media server lost the room. Event ids are deterministic, so several
 * API instances sweeping at once record each ending only once.
 */
export async function sweepOnce(deps: AppDeps): Promise<number> {
  const { db } = deps.database;
  const now = deps.now?.() ?? new Date();
  const agentDeadline = new Date(now.getTime() - deps.config.agentJoinTimeoutSeconds * 1000);
  const noAgent = await db
    .select({ id: voiceCalls.id })
    .from(voiceCalls)
    .where(
      and(
        inArray(voiceCalls.status, ['pending', 'ringing']),
        lt(voiceCalls.createdAt, agentDeadline),
        notExists(
          db
            .select({ id: callParticipants.id })
            .from(callParticipants)
            .where(and(eq(callParticipants.callId, voiceCalls.id), eq(callParticipants.kind, 'ai'))),
        ),
      ),
    )
    .limit(100);
  const neverJoined = await db
    .select({ id: voiceCalls.id })
    .from(voiceCalls)
    .where(and(eq(voiceCalls.status, 'pending'), lt(voiceCalls.joinDeadline, now)))
    .limit(100);

  const jobs = [
    ...noAgent.map((c) => ({ id: c.id, type: 'agent_join_timeout' as const })),
    ...neverJoined.map((c) => ({ id: c.id, type: 'join_window_expired' as const })),
    ...(await lostCalls(deps, now)).map((id) => ({ id, type: 'room_lost' as const })),
  ];
  for (const job of jobs) {
    await applyCallEvent(deps, {
      eventId: `sweep:${job.type}:${job.id}`,
      type: job.type,
      source: 'sweeper',
      callId: job.id,
      createdAt: now,
      lifecycle: { type: job.type, at: now.getTime() },
      payload: {},
    });
  }
  await pruneRateLimits(db, now);
  return jobs.length;
}

export function startSweeper(deps: AppDeps): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepOnce(deps).catch((err: unknown) =>
      deps.logger.error({ err: String(err) }, 'sweep failed'),
    );
  }, deps.config.sweepIntervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
