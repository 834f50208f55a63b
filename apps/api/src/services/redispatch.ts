import { voiceCalls } from '@voicedesk/db';
import { and, asc, inArray, lt } from 'drizzle-orm';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import type { AgentDispatchState } from './livekit-gateway.ts';
import { noAssistantJoined } from './no-assistant.ts';
import { dispatchMetadataFor } from './start-call.ts';

const PAGE = 100;

/**
 * Whether a call's assistant should be dispatched again: none of its dispatches got a job and
 * the newest is at least `afterMs` old. livekit-server offers a dispatch once, to a worker with
 * room at that moment (workers report their load every few seconds); refused, it is dropped.
 */
export function needsRedispatch(
  dispatches: AgentDispatchState[],
  agentName: string,
  nowMs: number,
  afterMs: number,
): boolean {
  const ours = dispatches.filter((d) => d.agentName === agentName);
  if (ours.some((d) => d.jobs > 0)) return false;
  const newest = Math.max(0, ...ours.map((d) => d.createdAtMs));
  return nowMs - newest >= afterMs;
}

/**
 * Calls still waiting for their assistant whose dispatch found every worker full (or none
 * connected) are dispatched again, so a visitor who pressed the button while the last slot was
 * taken is answered as soon as one frees up, not left ringing until the join timeout.
 */
export async function redispatchUnanswered(deps: AppDeps, now: Date): Promise<number> {
  const { db } = deps.database;
  const afterMs = deps.config.agentRedispatchSeconds * 1000;
  const waiting = await db
    .select({ id: voiceCalls.id, roomName: voiceCalls.roomName })
    .from(voiceCalls)
    .where(
      and(
        inArray(voiceCalls.status, ['pending', 'ringing']),
        lt(voiceCalls.createdAt, new Date(now.getTime() - afterMs)),
        noAssistantJoined(db),
      ),
    )
    .orderBy(asc(voiceCalls.createdAt))
    .limit(PAGE);
  let redispatched = 0;
  for (const call of waiting) {
    try {
      const dispatches = await deps.livekit.agentDispatches(call.roomName);
      // A room gone is the deadline sweep's to settle.
      if (!dispatches || !needsRedispatch(dispatches, deps.config.agentName, now.getTime(), afterMs))
        continue;
      await deps.livekit.dispatchAgent(call.roomName, {
        agentName: deps.config.agentName,
        dispatchMetadata: dispatchMetadataFor(call.id),
      });
      deps.metrics.assistantRedispatches.inc();
      deps.logger.info({ callId: call.id }, 'no worker took the call, dispatched its assistant again');
      redispatched++;
    } catch (err) {
      deps.logger.warn({ callId: call.id, ...errorFacts(err) }, 'could not dispatch the assistant again');
    }
  }
  return redispatched;
}
