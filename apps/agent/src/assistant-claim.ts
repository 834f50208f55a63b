import { type Participant, ParticipantKind, type Room, RoomEvent } from '@livekit/rtc-node';

/** The participant attribute that carries which assistant job of the call an agent is. */
export const ASSISTANT_JOB_ATTRIBUTE = 'voicedesk.assistant_job';

/**
 * How often the room's participants are read again, events or not. A link that comes back
 * through a node's death has been seen to hear of no join, attribute change or reconnect while
 * a newer assistant spoke in the same room; reading the list is cheap.
 */
export const CLAIM_RESCAN_MS = 1_000;

export interface AssistantClaimWatch {
  stop(): void;
}

/**
 * One assistant per call. When a LiveKit node dies, the room is re-created on another node:
 * LiveKit dispatches a second job, and the first job's SDK may also fully reconnect to it, so
 * two assistants would answer the visitor. Each job publishes the number the API gave its claim
 * (job 1, 2, ...), and a job that sees an assistant with a higher number stands down: the newest
 * job keeps the call. It joined the re-created room cleanly and carries the conversation from
 * the API's history, while the old job's connection came through the failure and may not last
 * (seen: reconnected, then dropped again seconds later).
 */
export function watchForNewerAssistant(
  room: Room,
  myJob: number,
  onNewer: (theirJob: number) => void,
): AssistantClaimWatch {
  let fired = false;
  const check = (participant: Participant) => {
    if (fired || participant.kind !== ParticipantKind.AGENT) return;
    const theirs = Number(participant.attributes[ASSISTANT_JOB_ATTRIBUTE]);
    if (!Number.isInteger(theirs) || theirs <= myJob) return;
    fired = true;
    onNewer(theirs);
  };
  const scan = () => {
    for (const participant of room.remoteParticipants.values()) check(participant);
  };
  const onAttributes = (_changed: Record<string, string>, participant: Participant) => check(participant);

  room.on(RoomEvent.ParticipantConnected, check);
  room.on(RoomEvent.ParticipantAttributesChanged, onAttributes);
  room.on(RoomEvent.Reconnected, scan);
  const rescan = setInterval(scan, CLAIM_RESCAN_MS);
  rescan.unref();
  scan();
  return {
    stop() {
      clearInterval(rescan);
      room.off(RoomEvent.ParticipantConnected, check);
      room.off(RoomEvent.ParticipantAttributesChanged, onAttributes);
      room.off(RoomEvent.Reconnected, scan);
    },
  };
}
