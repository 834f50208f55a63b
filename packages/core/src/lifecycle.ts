import { type CallStatus, isTerminal, transition } from './call-status.ts';
import type { EndReason } from './end-reasons.ts';
import type { ParticipantKind } from './participants.ts';
import type { LeaveCause } from './witness.ts';

/**
 * The call row is a projection of its event log. Webhooks can arrive twice and in any
 * order, so instead of mutating the row per event we fold the whole (deduplicated) log in
 * a canonical order: the same set of events always yields the same row.
 */
export type LifecycleEvent =
  | { type: 'room_started'; at: number }
  | {
      type: 'participant_joined';
      at: number;
      sid: string;
      identity: string;
      name?: string | undefined;
      kind: ParticipantKind;
    }
  | {
      type: 'participant_left';
      at: number;
      sid: string;
      identity: string;
      name?: string | undefined;
      kind: ParticipantKind;
      joinedAt: number;
      cause: LeaveCause;
    }
  | { type: 'room_finished'; at: number }
  | { type: 'call_ended'; at: number; reason: EndReason }
  | { type: 'agent_join_timeout'; at: number }
  | { type: 'join_window_expired'; at: number }
  /** The media server no longer has the room (it crashed or restarted) and no webhook said why. */
  | { type: 'room_lost'; at: number };

export type LifecycleEventType = LifecycleEvent['type'];

/** Tie-break for events stamped in the same instant (LiveKit stamps webhooks in whole seconds). */
const RANK: Record<LifecycleEventType, number> = {
  room_started: 0,
  participant_joined: 1,
  call_ended: 2,
  participant_left: 3,
  agent_join_timeout: 4,
  join_window_expired: 4,
  room_finished: 5,
  room_lost: 6,
};

export interface ParticipantSpan {
  sid: string;
  identity: string;
  name: string | undefined;
  kind: ParticipantKind;
  joinedAt: number;
  leftAt: number | undefined;
}

export interface CallProjection {
  status: CallStatus;
  startedAt: number | undefined;
  connectedAt: number | undefined;
  endedAt: number | undefined;
  durationSeconds: number | undefined;
  endReason: EndReason | undefined;
  participants: ParticipantSpan[];
}

/**
 * LiveKit stamps leaves in whole seconds, so ties are common. Within one second: a drop
 * happened before it was noticed, a leave by room closure is a consequence of something
 * else, and the visitor leaves before the assistant that follows them out.
 */
const CAUSE_RANK: Record<LeaveCause, number> = { dropped: 0, replaced: 0, self: 1, room_closed: 2 };
const KIND_RANK: Record<ParticipantKind, number> = { visitor: 0, staff: 1, recorder: 2, ai: 3 };

function leaveRank(e: LifecycleEvent): number {
  return e.type === 'participant_left' ? CAUSE_RANK[e.cause] * 10 + KIND_RANK[e.kind] : 0;
}

function eventKey(e: LifecycleEvent): string {
  return 'sid' in e ? e.sid : '';
}

export function sortLifecycle(events: readonly LifecycleEvent[]): LifecycleEvent[] {
  return [...events].sort(
    (a, b) =>
      a.at - b.at ||
      RANK[a.type] - RANK[b.type] ||
      leaveRank(a) - leaveRank(b) ||
      eventKey(a).localeCompare(eventKey(b)),
  );
}

export function projectCall(events: readonly LifecycleEvent[]): CallProjection {
  const state: CallProjection = {
    status: 'pending',
    startedAt: undefined,
    connectedAt: undefined,
    endedAt: undefined,
    durationSeconds: undefined,
    endReason: undefined,
    participants: [],
  };
  const spans = new Map<string, ParticipantSpan>();
  const present = { visitor: new Set<string>(), ai: new Set<string>() };

  const end = (to: CallStatus, reason: EndReason, at: number) => {
    const result = transition(state.status, to);
    if (!result.ok || isTerminal(state.status)) return;
    state.status = result.status;
    state.endReason = reason;
    state.endedAt = at;
  };

  for (const event of sortLifecycle(events)) {
    switch (event.type) {
      case 'room_started':
        state.startedAt ??= event.at;
        break;
      case 'participant_joined':
      case 'participant_left': {
        const joinedAt = event.type === 'participant_joined' ? event.at : event.joinedAt;
        const span = spans.get(event.sid) ?? {
          sid: event.sid,
          identity: event.identity,
          name: event.name,
          kind: event.kind,
          joinedAt,
          leftAt: undefined,
        };
        span.joinedAt = Math.min(span.joinedAt, joinedAt);
        span.name ??= event.name;
        spans.set(event.sid, span);
        if (event.type === 'participant_left') {
          span.leftAt = Math.max(event.at, span.joinedAt);
        }
        if (event.kind !== 'visitor' && event.kind !== 'ai') break;
        const side = present[event.kind];
        if (event.type === 'participant_joined') {
          side.add(event.sid);
          if (isTerminal(state.status)) break;
          if (present.visitor.size > 0 && present.ai.size > 0) {
            const result = transition(state.status, 'connected');
            if (result.ok && state.status !== 'connected') {
              state.status = 'connected';
              state.connectedAt = event.at;
            }
          } else if (event.kind === 'visitor' && state.status === 'pending') {
            state.status = 'ringing';
          }
          break;
        }
        side.delete(event.sid);
        if (event.kind === 'visitor' && present.visitor.size === 0) {
          if (state.status === 'connected') end('completed', 'visitor_hung_up', event.at);
          else end('missed', 'assistant_unavailable', event.at);
        } else if (event.kind === 'ai' && present.ai.size === 0 && state.status === 'connected') {
          if (event.cause === 'dropped') end('failed', 'assistant_lost', event.at);
          else end('completed', 'assistant_ended', event.at);
        }
        break;
      }
      case 'call_ended':
        end(state.status === 'connected' ? 'completed' : 'missed', event.reason, event.at);
        break;
      case 'agent_join_timeout':
        if (present.ai.size === 0) end('missed', 'assistant_unavailable', event.at);
        break;
      case 'join_window_expired':
        if (state.status === 'pending') end('missed', 'visitor_never_joined', event.at);
        break;
      case 'room_lost':
        end(state.status === 'connected' ? 'failed' : 'missed', 'media_lost', event.at);
        break;
      case 'room_finished':
        if (state.status === 'connected') end('completed', 'room_closed', event.at);
        else if (state.status === 'ringing') end('missed', 'assistant_unavailable', event.at);
        else end('missed', 'visitor_never_joined', event.at);
        break;
    }
  }

  if (state.connectedAt !== undefined && state.endedAt !== undefined && state.status !== 'missed') {
    state.durationSeconds = Math.max(0, Math.round((state.endedAt - state.connectedAt) / 1000));
  }
  state.participants = [...spans.values()].sort(
    (a, b) => a.joinedAt - b.joinedAt || a.sid.localeCompare(b.sid),
  );
  return state;
}
