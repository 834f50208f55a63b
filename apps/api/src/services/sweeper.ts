import { callParticipants, voiceCalls } from '@voicedesk/db';
import { and, eq, inArray, lt, notExists } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { applyCallEvent } from './apply-call-event.ts';
import { pruneRateLimits } from './rate-limiter.ts';

/**
 * Ends calls that no webhook will ever end: no assistant joined in time, or the visitor
 * never used the token. Event ids are deterministic, so several API instances sweeping at
 * once record each timeout only once.
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
