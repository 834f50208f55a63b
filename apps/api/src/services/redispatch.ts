import { callParticipants, type Db, voiceCalls } from '@voicedesk/db';
import { and, asc, count, eq, exists, inArray, isNull, lt, max, or, type SQL, sql } from 'drizzle-orm';
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
  return dispatchWhereNeeded(
    deps,
    waiting,
    (dispatches) => needsRedispatch(dispatches, deps.config.agentName, now.getTime(), afterMs),
    'no worker took the call, dispatched its assistant again',
  );
}

/**
 * Dispatches the assistant once more into each call whose room's dispatches `needsOne` finds
 * wanting; a room the media server no longer holds is the deadline sweep's to settle. Returns
 * how many it dispatched.
 */
async function dispatchWhereNeeded<Call extends { id: string; roomName: string }>(
  deps: AppDeps,
  calls: Call[],
  needsOne: (dispatches: AgentDispatchState[], call: Call) => boolean,
  done: string,
): Promise<number> {
  let redispatched = 0;
  for (const call of calls) {
    try {
      const dispatches = await deps.livekit.agentDispatches(call.roomName);
      if (!dispatches || !needsOne(dispatches, call)) continue;
      await deps.livekit.dispatchAgent(call.roomName, {
        agentName: deps.config.agentName,
        dispatchMetadata: dispatchMetadataFor(call.id),
      });
      deps.metrics.assistantRedispatches.inc();
      deps.logger.info({ callId: call.id }, done);
      redispatched++;
    } catch (err) {
      deps.logger.warn({ callId: call.id, ...errorFacts(err) }, 'could not dispatch the assistant again');
    }
  }
  return redispatched;
}

/** The call's visitor is in its room now (a dropped one who may come back is not). */
function visitorInRoom(db: Db): SQL {
  return exists(
    db
      .select({ one: sql`1` })
      .from(callParticipants)
      .where(
        and(
          eq(callParticipants.callId, voiceCalls.id),
          eq(callParticipants.kind, 'visitor'),
          isNull(callParticipants.leftAt),
        ),
      ),
  );
}

/** The longest wait between two new assistants for one call. */
export const MAX_NEW_ASSISTANT_WAIT_MS = 60_000;

/** The assistants a call has lost: how many, and when the last one left. */
export interface AssistantLoss {
  atMs: number;
  count: number;
}

/**
 * Whether a call whose assistant was lost needs a new dispatch: the dispatch that brought the
 * lost one had its job, so only dispatches made since the loss count. The first loss (a worker
 * that died) is answered at once; each further one waits twice as long as the one before, from
 * `afterMs` up to a minute, since an assistant that keeps leaving (its voice model refusing the
 * account, say) would otherwise cost a job process every few seconds for as long as it lasts.
 */
export function needsNewAssistant(
  dispatches: AgentDispatchState[],
  agentName: string,
  loss: AssistantLoss,
  nowMs: number,
  afterMs: number,
): boolean {
  const backoffMs =
    loss.count <= 1 ? 0 : Math.min(afterMs * 2 ** (loss.count - 1), MAX_NEW_ASSISTANT_WAIT_MS);
  if (nowMs - loss.atMs < backoffMs) return false;
  const since = dispatches.filter((d) => d.createdAtMs > loss.atMs);
  return needsRedispatch(since, agentName, nowMs, afterMs);
}

/**
 * Connected calls whose assistant was lost (its worker died; rule 7 of lifecycle.ts keeps such a
 * call going) get a new one: the visitor it was answering is answered again, and a call a person
 * holds or is awaited for has someone to fall back to on a hand-back or an unanswered offer. The
 * new job is told the call is resumed: it does not greet, carries on from the call's last lines,
 * and stays quiet while staff hold the call. livekit-server does not dispatch again by itself.
 * A call the assistant answered gets one only while its visitor is in the room.
 */
export async function redispatchLostAssistants(deps: AppDeps, now: Date): Promise<number> {
  const { db } = deps.database;
  const afterMs = deps.config.agentRedispatchSeconds * 1000;
  const lost = await db
    .select({
      id: voiceCalls.id,
      roomName: voiceCalls.roomName,
      lostAt: max(callParticipants.leftAt),
      lost: count(callParticipants.id),
    })
    .from(voiceCalls)
    .innerJoin(
      callParticipants,
      and(eq(callParticipants.callId, voiceCalls.id), eq(callParticipants.kind, 'ai')),
    )
    .where(
      and(
        eq(voiceCalls.status, 'connected'),
        or(inArray(voiceCalls.phase, ['waiting_human', 'human']), visitorInRoom(db)),
      ),
    )
    .groupBy(voiceCalls.id, voiceCalls.roomName)
    .having(sql`bool_and(${callParticipants.leftAt} is not null)`)
    .limit(PAGE);
  return dispatchWhereNeeded(
    deps,
    lost,
    (dispatches, call) =>
      needsNewAssistant(
        dispatches,
        deps.config.agentName,
        { atMs: call.lostAt?.getTime() ?? 0, count: call.lost },
        now.getTime(),
        afterMs,
      ),
    'the call lost its assistant, dispatched a new one',
  );
}
