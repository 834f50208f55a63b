import { type Participant, ParticipantKind, type Room, RoomEvent } from '@livekit/rtc-node';

/** The participant attribute that carries which assistant job of the call an agent is. */
export const ASSISTANT_JOB_ATTRIBUTE = 'voicedesk.assistant_job';

export interface AssistantClaimWatch {
  stop(): void;
}

/**
 * One assistant per call. When a LiveKit node dies, the room is re-created on another node:
 * the first assistant's job reconnects to it and LiveKit dispatches a second job, so two
 * assistants would answer the visitor. Each job publishes the number the API gave its claim
 * (job 1, 2, ...), and a job that sees an assistant with a lower number stands down: the older
 * job keeps the call, with its conversation state intact.
 */
export function watchForOlderAssistant(
  room: Room,
  myJob: number,
  onOlder: (theirJob: number) => void,
): AssistantClaimWatch {
  let fired = false;
  const check = (participant: Participant) => {
    if (fired || participant.kind !== ParticipantKind.AGENT) return;
    const theirs = Number(participant.attributes[ASSISTANT_JOB_ATTRIBUTE]);
    if (!Number.isInteger(theirs) || theirs >= myJob) return;
    fired = true;
    onOlder(theirs);
  };
  const scan = () => {
    for (const participant of room.remoteParticipants.values()) check(participant);
  };
  const onAttributes = (_changed: Record<string, string>, participant: Participant) => check(participant);

  room.on(RoomEvent.ParticipantConnected, check);
  room.on(RoomEvent.ParticipantAttributesChanged, onAttributes);
  room.on(RoomEvent.Reconnected, scan);
  scan();
  return {
    stop() {
      room.off(RoomEvent.ParticipantConnected, check);
      room.off(RoomEvent.ParticipantAttributesChanged, onAttributes);
      room.off(RoomEvent.Reconnected, scan);
    },
  };
}
