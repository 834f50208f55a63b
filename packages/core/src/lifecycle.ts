import type { CallPhase, EscalationMiss, HandBackCause } from './call-phase.ts';
import type { CallStatus } from './call-status.ts';
import type { EndReason } from './end-reasons.ts';
import type { ParticipantKind } from './participants.ts';
import type { LeaveCause } from './witness.ts';

/**
 * The call row is a projection of its event log, folded here and nowhere else.
 *
 * Three processes stamp the events: LiveKit in whole seconds, the API and the agent in
 * milliseconds, the sweeper at sweep time. Their clocks cannot order cause and effect, so the
 * rules below order events by what they mean:
 *
 * 1. A call's end is decided once. The log is read in arrival order; the first prefix of it
 *    whose fold ends the call fixes status, reason and times. Later events are kept (and shown
 *    in the call's events, and still close participant spans) but cannot reopen or rewrite it.
 * 2. Only a cause ends a call, never an effect. Causes: an end request (`call_ended`: the
 *    visitor's hang-up through the API, the assistant's end, time or idle limits), the visitor
 *    leaving a connected call on their own, the assistant's connection dropping, and the sweeper's deadlines
 *    (`assistant_join_timeout`, `join_window_expired`, `settle`). Effects: a participant leaving
 *    because the room was closed, a session replaced by its own reconnect, the room finishing.
 * 3. What may still be explained is not decided yet. A visitor whose connection dropped may come
 *    back; a room that finished or vanished without a cause in the log may have one on its way
 *    (the agent's spooled report after an API outage). Such a call is `unsettled`; the sweeper
 *    waits a grace period, then appends `settle`, which ends it from what the log says by then,
 *    with the times of what happened (the drop, the room's end), not the time of the sweep.
 * 4. Within a prefix, events are folded in time order; ties (common, with whole-second webhooks)
 *    break by meaning: joins before ends, ends before the leaves they cause.
 * 5. A room that starts again lost everyone in it. In a LiveKit cluster, when the node holding a
 *    room dies, the first participant to reconnect re-creates the room (same name and sid) on a
 *    live node, and everyone rejoins with a new session. No leave ever comes for the old
 *    sessions (the node that would send it is gone), so the second `room_started` drops them,
 *    at its own time: those who come back carry on, those who do not are unsettled (rule 3).
 * 6. The phase (who answers: `ai`, `waiting_human`, `human`) moves only while the call is
 *    connected: ai → waiting_human on a request, → human on the accept or → ai when nobody took
 *    it, human → ai when the call is handed back. Each step names its escalation and applies
 *    only from the phase it leaves, for the escalation that is open, so a duplicate, a stale
 *    escalation's event or one that lost the race (an expiry after the accept) changes nothing.
 *    The phase is folded with the status, so it freezes when the call ends: an ended call keeps
 *    the phase it ended in (a visitor who hung up while waiting for a person stays
 *    `waiting_human`), which is what a support lead reading the call wants to know.
 *    A staff member's leave does not move the phase by itself: a dropped browser may come back,
 *    so whoever owns the escalation decides after its grace and appends `handed_back`
 *    (`staff_left`), as the sweeper appends `settle` for rule 3.
 * 7. The assistant's loss does not end a call by itself. While a person holds the call or is
 *    awaited (`human`, `waiting_human`), the visitor and staff talk on without it (no transcript,
 *    no limits the assistant kept), and the call ends `assistant_lost` when it would fall back to
 *    nobody: handed back, or unanswered, while no assistant is in the room (unless a room restart
 *    dropped it: then rule 3 waits for it). While the assistant answers (`ai`), its dropped
 *    connection (its worker died) leaves the call unsettled (rule 3) while the sweeper sends a
 *    new assistant: one that joins carries the call on; if none has joined when the call is
 *    settled, or anything else ends it first (the visitor hanging up on the silence), it ends
 *    `assistant_lost` at the drop, as the first cause.
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
  | { type: 'assistant_join_timeout'; at: number }
  | { type: 'join_window_expired'; at: number }
  /** The media server no longer has the room (it crashed or restarted) and no webhook said why. */
  | { type: 'room_lost'; at: number }
  /** The sweeper's grace for an unsettled call has passed: end it from what the log says. */
  | { type: 'settle'; at: number }
  /** The assistant asked for a person (rule 6); staff are being offered the call. */
  | { type: 'escalation_requested'; at: number; escalationId: string }
  /** A staff member accepted the offer: they answer from now on. */
  | { type: 'escalation_accepted'; at: number; escalationId: string }
  /** Nobody took the offer (it expired, everyone declined, nobody was available). */
  | { type: 'escalation_unanswered'; at: number; escalationId: string; outcome: EscalationMiss }
  /** The staff member handed the call back, or left it without ending it. */
  | { type: 'handed_back'; at: number; escalationId: string; cause: HandBackCause };

export type LifecycleEventType = LifecycleEvent['type'];

/** Tie-break for events stamped in the same instant. */
const RANK: Record<LifecycleEventType, number> = {
  room_started: 0,
  participant_joined: 1,
  // The API stamps these; one stamped in the instant the call ended happened while it was live.
  escalation_requested: 2,
  escalation_accepted: 3,
  escalation_unanswered: 3,
  handed_back: 4,
  call_ended: 5,
  participant_left: 6,
  assistant_join_timeout: 7,
  join_window_expired: 7,
  room_finished: 8,
  room_lost: 9,
  settle: 10,
};

/** Events that can end a call under rule 2; folding stops at none of the others. */
const DECISIVE = new Set<LifecycleEventType>([
  'call_ended',
  'participant_left',
  'assistant_join_timeout',
  'join_window_expired',
  'settle',
]);

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
  /** Who answers (rule 6); on an ended call, who answered when it ended. */
  phase: CallPhase;
  startedAt: number | undefined;
  connectedAt: number | undefined;
  endedAt: number | undefined;
  durationSeconds: number | undefined;
  endReason: EndReason | undefined;
  /** Not ended, but something happened that may end it (rule 3): the sweeper settles it after a grace. */
  unsettled: boolean;
  participants: ParticipantSpan[];
}

/**
 * Within one second: a drop happened before it was noticed, a leave by room closure is a
 * consequence of something else, and the visitor leaves before the assistant that follows them.
 */
const CAUSE_RANK: Record<LeaveCause, number> = { dropped: 0, replaced: 0, self: 1, room_closed: 2 };
const KIND_RANK: Record<ParticipantKind, number> = { visitor: 0, staff: 1, recorder: 2, ai: 3 };

function leaveRank(e: LifecycleEvent): number {
  return e.type === 'participant_left' ? CAUSE_RANK[e.cause] * 10 + KIND_RANK[e.kind] : 0;
}

function eventKey(e: LifecycleEvent): string {
  return 'sid' in e ? e.sid : '';
}

/** A settle judges everything before it in the log, whatever another machine's clock stamped. */
const settleLast = (a: LifecycleEvent, b: LifecycleEvent) =>
  Number(a.type === 'settle') - Number(b.type === 'settle');

export function sortLifecycle(events: readonly LifecycleEvent[]): LifecycleEvent[] {
  return [...events].sort(
    (a, b) =>
      settleLast(a, b) ||
      a.at - b.at ||
      RANK[a.type] - RANK[b.type] ||
      leaveRank(a) - leaveRank(b) ||
      eventKey(a).localeCompare(eventKey(b)),
  );
}

/** End reasons that mean the platform failed the visitor, not that the call ran its course. */
const FAILURE_REASONS = new Set<EndReason>(['assistant_unavailable', 'assistant_lost', 'media_lost']);

interface Leave {
  at: number;
  cause: LeaveCause;
  /** Dropped by a room restart (rule 5): whoever it was may be rejoining now. */
  restart?: true;
}

interface Outcome {
  status: CallStatus;
  reason: EndReason;
  at: number;
}

interface FoldState {
  status: CallStatus;
  phase: CallPhase;
  /** The escalation the phase belongs to while it is not `ai`. */
  escalationId: string | undefined;
  startedAt: number | undefined;
  connectedAt: number | undefined;
  outcome: Outcome | undefined;
  present: { visitor: Set<string>; ai: Set<string> };
  aiEverJoined: boolean;
  lastVisitorLeave: Leave | undefined;
  lastAiLeave: Leave | undefined;
  /** The answering assistant's drop, while no new assistant has joined (rule 7). */
  pendingLoss: Leave | undefined;
  roomFinishedAt: number | undefined;
  roomLostAt: number | undefined;
}

function endWith(state: FoldState, endReason: EndReason, endAt: number): void {
  if (state.outcome) return;
  // Rule 7: the drop came first; what ended the call after it follows from it.
  const reason = state.pendingLoss ? 'assistant_lost' : endReason;
  const at = state.pendingLoss?.at ?? endAt;
  const connected = state.status === 'connected';
  const status: CallStatus = FAILURE_REASONS.has(reason)
    ? connected
      ? 'failed'
      : 'missed'
    : connected
      ? 'completed'
      : 'missed';
  state.outcome = { status, reason, at };
  state.status = status;
}

/** What an unsettled call ends as (rule 3), or undefined while nothing needs settling. */
function settledOutcome(state: FoldState): Omit<Outcome, 'status'> | undefined {
  const roomGoneAt = state.roomFinishedAt ?? state.roomLostAt;
  if (state.status === 'connected') {
    if (state.present.visitor.size === 0 && state.lastVisitorLeave) {
      const leave = state.lastVisitorLeave;
      if (leave.cause === 'dropped') return { reason: 'visitor_lost', at: leave.at };
      if (roomGoneAt !== undefined) return { reason: 'room_closed', at: Math.min(leave.at, roomGoneAt) };
    }
    if (state.present.ai.size === 0 && state.lastAiLeave && state.phase === 'ai') {
      return { reason: 'assistant_lost', at: state.lastAiLeave.at };
    }
    if (state.roomFinishedAt !== undefined) return { reason: 'room_closed', at: state.roomFinishedAt };
    if (state.roomLostAt !== undefined) return { reason: 'media_lost', at: state.roomLostAt };
    return undefined;
  }
  const leave = state.lastVisitorLeave;
  if (state.present.visitor.size === 0 && leave && (leave.cause === 'self' || leave.cause === 'dropped')) {
    return { reason: leave.cause === 'self' ? 'visitor_hung_up' : 'visitor_lost', at: leave.at };
  }
  if (roomGoneAt === undefined) return undefined;
  if (state.status === 'ringing') return { reason: 'assistant_unavailable', at: roomGoneAt };
  return { reason: 'visitor_never_joined', at: roomGoneAt };
}

/** The events that move a call's phase (rule 6); the API appends them for an escalation. */
export type PhaseEvent = Extract<
  LifecycleEvent,
  { type: 'escalation_requested' | 'escalation_accepted' | 'escalation_unanswered' | 'handed_back' }
>;

/** Rule 6: each step applies only from the phase it leaves, for the open escalation. */
function movePhase(state: FoldState, event: PhaseEvent): void {
  if (state.status !== 'connected') return;
  if (event.type === 'escalation_requested') {
    if (state.phase !== 'ai') return;
    state.phase = 'waiting_human';
    state.escalationId = event.escalationId;
    return;
  }
  if (event.escalationId !== state.escalationId) return;
  if (event.type === 'escalation_accepted' && state.phase === 'waiting_human') {
    state.phase = 'human';
  } else if (
    (event.type === 'escalation_unanswered' && state.phase === 'waiting_human') ||
    (event.type === 'handed_back' && state.phase === 'human')
  ) {
    state.phase = 'ai';
    state.escalationId = undefined;
    // Rule 7: handed back, or left unanswered, to an assistant that is no longer there. One
    // dropped by a room restart may be rejoining: that is left to `settle` (rule 3).
    const lost = state.lastAiLeave;
    if (state.present.ai.size === 0 && lost && !lost.restart) endWith(state, 'assistant_lost', event.at);
  }
}

/** Folds events already in canonical order; stops at the first end. */
function fold(events: readonly LifecycleEvent[]): FoldState {
  const state: FoldState = {
    status: 'pending',
    phase: 'ai',
    escalationId: undefined,
    startedAt: undefined,
    connectedAt: undefined,
    outcome: undefined,
    present: { visitor: new Set(), ai: new Set() },
    aiEverJoined: false,
    lastVisitorLeave: undefined,
    lastAiLeave: undefined,
    pendingLoss: undefined,
    roomFinishedAt: undefined,
    roomLostAt: undefined,
  };
  for (const event of events) {
    if (state.outcome) break;
    switch (event.type) {
      case 'room_started': {
        if (state.startedAt === undefined) {
          state.startedAt = event.at;
          break;
        }
        // Rule 5: every session from before the restart dropped with the node that held it.
        const leave: Leave = { at: event.at, cause: 'dropped', restart: true };
        if (state.present.visitor.size > 0) state.lastVisitorLeave = leave;
        if (state.present.ai.size > 0) state.lastAiLeave = leave;
        state.present.visitor.clear();
        state.present.ai.clear();
        break;
      }
      case 'participant_joined': {
        if (event.kind !== 'visitor' && event.kind !== 'ai') break;
        state.present[event.kind].add(event.sid);
        if (event.kind === 'ai') {
          state.aiEverJoined = true;
          state.pendingLoss = undefined;
        }
        if (state.present.visitor.size > 0 && state.present.ai.size > 0 && state.status !== 'connected') {
          state.status = 'connected';
          state.connectedAt = event.at;
        } else if (event.kind === 'visitor' && state.status === 'pending') {
          state.status = 'ringing';
        }
        break;
      }
      case 'participant_left': {
        if (event.kind !== 'visitor' && event.kind !== 'ai') break;
        const side = state.present[event.kind];
        // The same leave can come twice (webhook and the agent's report): only the first counts.
        if (!side.delete(event.sid)) break;
        const leave = { at: event.at, cause: event.cause };
        if (event.kind === 'visitor') {
          state.lastVisitorLeave = leave;
          // Before the call connected, a late webhook of the assistant's join may still explain
          // it: that case is left to `settle` (rule 3). The widget's own hang-up is immediate.
          const alone = side.size === 0 && state.status === 'connected';
          if (event.cause === 'self' && alone) endWith(state, 'visitor_hung_up', event.at);
        } else {
          state.lastAiLeave = leave;
          // LiveKit has already waited out its reconnect timeout before it calls a leave a drop:
          // the assistant is not coming back, but a new one may (rule 7).
          if (event.cause === 'dropped' && side.size === 0 && state.status === 'connected') {
            if (state.phase === 'ai') state.pendingLoss = leave;
          }
        }
        break;
      }
      case 'call_ended':
        endWith(state, event.reason, event.at);
        break;
      case 'assistant_join_timeout':
        if (!state.aiEverJoined) endWith(state, 'assistant_unavailable', event.at);
        break;
      case 'join_window_expired':
        if (state.status === 'pending') endWith(state, 'visitor_never_joined', event.at);
        break;
      case 'room_finished':
        state.roomFinishedAt ??= event.at;
        break;
      case 'room_lost':
        state.roomLostAt ??= event.at;
        break;
      case 'settle': {
        const settled = settledOutcome(state);
        if (settled) endWith(state, settled.reason, settled.at);
        break;
      }
      default:
        movePhase(state, event);
    }
  }
  return state;
}

function participantSpans(log: readonly LifecycleEvent[]): ParticipantSpan[] {
  const spans = new Map<string, ParticipantSpan>();
  for (const event of log) {
    if (event.type !== 'participant_joined' && event.type !== 'participant_left') continue;
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
    if (event.type === 'participant_left') {
      // Two witnesses of one leave (webhook, agent): the earlier is nearer the truth.
      const leftAt = Math.max(event.at, span.joinedAt);
      span.leftAt = span.leftAt === undefined ? leftAt : Math.min(span.leftAt, leftAt);
    }
    spans.set(event.sid, span);
  }
  // Rule 5: a session still open when the room started again ended then.
  const restarts = log
    .filter((e) => e.type === 'room_started')
    .map((e) => e.at)
    .sort((a, b) => a - b)
    .slice(1);
  for (const span of spans.values()) {
    if (span.leftAt === undefined) span.leftAt = restarts.find((at) => at > span.joinedAt);
  }
  return [...spans.values()].sort((a, b) => a.joinedAt - b.joinedAt || a.sid.localeCompare(b.sid));
}

/** Projects the call from its log, given in arrival order (see the rules above). */
export function projectCall(log: readonly LifecycleEvent[]): CallProjection {
  let decided: FoldState | undefined;
  for (let i = 0; i < log.length && !decided; i++) {
    const event = log[i];
    if (!event || !DECISIVE.has(event.type)) continue;
    const state = fold(sortLifecycle(log.slice(0, i + 1)));
    if (state.outcome) decided = state;
  }
  const state = decided ?? fold(sortLifecycle(log));
  const outcome = state.outcome;
  const durationSeconds =
    outcome && state.connectedAt !== undefined && outcome.status !== 'missed'
      ? Math.max(0, Math.round((outcome.at - state.connectedAt) / 1000))
      : undefined;
  return {
    status: state.status,
    phase: state.phase,
    // When the room started is a fact, not a decision: a late room_started webhook still counts.
    startedAt: log.reduce<number | undefined>(
      (first, e) => (e.type === 'room_started' ? Math.min(first ?? e.at, e.at) : first),
      undefined,
    ),
    connectedAt: state.connectedAt,
    endedAt: outcome?.at,
    durationSeconds,
    endReason: outcome?.reason,
    unsettled: !outcome && settledOutcome(state) !== undefined,
    participants: participantSpans(log),
  };
}
