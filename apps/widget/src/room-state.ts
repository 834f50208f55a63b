import type { RoomState } from '@voicedesk/core';

/*
 * The room state the API writes into the call's room metadata (packages/core/src/room-state.ts).
 * The widget must stay small and core's parser brings zod, so this reads the same shape by hand;
 * room-state.test.ts holds it to core's `parseRoomState` on every kind of input.
 */

const PHASES: Record<RoomState['phase'], true> = { ai: true, waiting_human: true, human: true };
const OUTCOMES: Record<NonNullable<RoomState['outcome']>, true> = {
  expired: true,
  declined: true,
  nobody_available: true,
  staff: true,
  staff_left: true,
};
// zod's uuid(): RFC 9562 versions 1-8 in either case, plus the nil and (lower-case) max ids.
const UUID =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/;
const STAFF_NAME_MAX = 80;

/** Room metadata as a room state; anything else (empty, foreign, malformed) reads as the assistant's. */
export function readRoomState(metadata: string | undefined): RoomState {
  const assistant: RoomState = { phase: 'ai' };
  if (!metadata) return assistant;
  let raw: unknown;
  try {
    raw = JSON.parse(metadata);
  } catch {
    return assistant;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return assistant;
  const { phase, escalationId, outcome, staffName } = raw as Record<string, unknown>;
  if (typeof phase !== 'string' || !Object.hasOwn(PHASES, phase)) return assistant;
  const state: RoomState = { phase: phase as RoomState['phase'] };
  if (escalationId !== undefined) {
    if (typeof escalationId !== 'string' || !UUID.test(escalationId)) return assistant;
    state.escalationId = escalationId;
  }
  if (outcome !== undefined) {
    if (typeof outcome !== 'string' || !Object.hasOwn(OUTCOMES, outcome)) return assistant;
    state.outcome = outcome as NonNullable<RoomState['outcome']>;
  }
  if (staffName !== undefined) {
    if (typeof staffName !== 'string' || staffName.length > STAFF_NAME_MAX) return assistant;
    state.staffName = staffName;
  }
  return state;
}

/**
 * Who the visitor is talking to, in the words the widget shows and announces. `assistantAway`:
 * the assistant's connection is gone and no new one has joined yet (its worker died; the API
 * sends another), which only matters while the assistant answers.
 */
export function talkingTo(state: RoomState, assistantAway = false): string {
  if (state.phase === 'waiting_human') return 'Finding someone to help…';
  if (state.phase === 'human')
    return state.staffName ? `${state.staffName} from the support team` : 'Someone from the support team';
  return assistantAway ? 'Reconnecting to the assistant…' : 'Support assistant';
}
