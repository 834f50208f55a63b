import { RoomEvent } from '@livekit/rtc-node';
import { parseRoomState, type RoomState } from '@voicedesk/core';

/** The part of a room the watcher needs (an rtc-node Room). */
export interface MetadataSource {
  readonly metadata: string | undefined;
  on(event: RoomEvent.RoomMetadataChanged, listener: (metadata: string) => void): unknown;
  off(event: RoomEvent.RoomMetadataChanged, listener: (metadata: string) => void): unknown;
}

/** What a reader acts on (contract of issue 14, section 1): repeats of the same step are not news. */
export function phaseKey(state: RoomState): string {
  return [state.escalationId ?? '', state.phase, state.outcome ?? ''].join('|');
}

export interface PhaseWatch {
  current(): RoomState;
  stop(): void;
}

/**
 * The call's phase as the API writes it into the room metadata: reported once at once (`initial`),
 * then on every change of escalation, phase or outcome. Unparsable metadata reads as the
 * assistant's (`parseRoomState`).
 */
export function watchRoomPhase(
  room: MetadataSource,
  onChange: (state: RoomState, initial: boolean) => void,
): PhaseWatch {
  let state = parseRoomState(room.metadata);
  let key = phaseKey(state);
  const listener = (metadata: string) => {
    const next = parseRoomState(metadata ?? room.metadata);
    const nextKey = phaseKey(next);
    if (nextKey === key) return;
    state = next;
    key = nextKey;
    onChange(next, false);
  };
  room.on(RoomEvent.RoomMetadataChanged, listener);
  onChange(state, true);
  return {
    current: () => state,
    stop: () => room.off(RoomEvent.RoomMetadataChanged, listener),
  };
}
