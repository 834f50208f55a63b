import {
  ConnectionState,
  DisconnectReason,
  type Participant,
  ParticipantKind,
  type RemoteParticipant,
  type Room,
  RoomEvent,
} from '@livekit/rtc-node';
import {
  type ParticipantKind as CallParticipantKind,
  type LeaveCause,
  participantKindOf,
  type WitnessEvent,
} from '@voicedesk/core';

/** Where the witness reports; the job's Reporter, which spools and sends on the `witness` lane. */
export interface WitnessSink {
  addWitness(event: WitnessEvent): void;
}

export interface RoomWitnessOptions {
  /** Clock in epoch milliseconds; tests pin it. */
  now?: () => number;
  /** How long the agent's own connection must hold after a participant drops for the drop to count. */
  dropConfirmMs?: number;
}

const DROP_CONFIRM_MS = 3_000;

export interface RoomWitness {
  /**
   * Stops listening. If the agent is still in the room it reports its own leave first, as the
   * job is about to leave on its own; call it before the reporter closes.
   */
  detach(): void;
}

/** How rtc-node's disconnect reason (DisconnectReason of @livekit/rtc-ffi-bindings) reads for a call. */
export function leaveCauseOf(reason: DisconnectReason | undefined): LeaveCause {
  switch (reason) {
    case DisconnectReason.CLIENT_INITIATED:
      return 'self';
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
    case DisconnectReason.PARTICIPANT_REMOVED:
    case DisconnectReason.SERVER_SHUTDOWN:
      return 'room_closed';
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'replaced';
    default:
      // UNKNOWN_REASON (rtc-node reports it as undefined), SIGNAL_CLOSE, CONNECTION_TIMEOUT,
      // MEDIA_FAILURE, JOIN_FAILURE, STATE_MISMATCH ...: the connection went, not the person.
      return 'dropped';
  }
}

interface Present {
  identity: string;
  kind: CallParticipantKind;
  joinedAt: string;
}

/**
 * Makes the agent a second witness of who joins and leaves the call's room. LiveKit drops
 * webhooks it could not deliver within 30 s, so during an API outage these reports (spooled by
 * the reporter) are the only record of joins and leaves. Attach before the room connects: the
 * participants already there when it does (rtc-node emits no ParticipantConnected for them) and
 * the agent's own join are reported on connect; attaching later reports them at once.
 */
export function attachRoomWitness(
  room: Room,
  sink: WitnessSink,
  options: RoomWitnessOptions = {},
): RoomWitness {
  const now = options.now ?? Date.now;
  const present = new Map<string, Present>();
  let selfSid: string | null = null;
  let attached = true;

  const joined = (sid: string, identity: string, isAgent: boolean): void => {
    if (present.has(sid)) return;
    const at = new Date(now()).toISOString();
    const kind = participantKindOf(identity, isAgent);
    present.set(sid, { identity, kind, joinedAt: at });
    sink.addWitness({ type: 'participant_joined', at, sid, identity, kind });
  };

  const left = (sid: string, cause: LeaveCause, atMs = now()): void => {
    const seen = present.get(sid);
    // A leave without its join cannot be paired by the API; the webhook or reconciliation has it.
    if (!seen) return;
    present.delete(sid);
    sink.addWitness({
      type: 'participant_left',
      at: new Date(atMs).toISOString(),
      sid,
      identity: seen.identity,
      kind: seen.kind,
      joinedAt: seen.joinedAt,
      cause,
    });
  };

  const remoteJoined = (participant: Participant): void => {
    // rtc-node types the sid as optional; a participant the server announced always has one.
    if (!participant.sid) return;
    joined(participant.sid, participant.identity, participant.kind === ParticipantKind.AGENT);
  };

  const selfJoined = (): void => {
    const local = room.localParticipant;
    if (!local?.sid || local.sid === selfSid) return;
    // A full reconnect gives the agent a new session that replaces the old one: the new join is
    // reported first, so the call never looks as if it had no assistant in between.
    const old = selfSid;
    selfSid = local.sid;
    joined(local.sid, local.identity, true);
    if (old) left(old, 'replaced');
  };

  const onConnected = (): void => {
    selfJoined();
    for (const participant of room.remoteParticipants.values()) remoteJoined(participant);
  };

  /**
   * When the agent's own link to LiveKit breaks (the server died, say), the SDK reports the
   * others as gone with no reason: that says nothing about them. So a drop is reported only if
   * the agent's connection holds for `dropConfirmMs` after it, with the time it was seen.
   */
  const pendingDrops = new Map<string, NodeJS.Timeout>();
  let interruptedAt: number | null = null;
  const interrupt = (): void => {
    interruptedAt ??= now();
    for (const timer of pendingDrops.values()) clearTimeout(timer);
    pendingDrops.clear();
  };

  /**
   * Back after a break of our own link (a LiveKit node died and the room was re-created, say):
   * whoever was here before and is not now was lost with the link, at the moment it broke. That
   * moment is the true end of their talk; no one else can know it.
   */
  const resumed = (): void => {
    const brokeAt = interruptedAt;
    interruptedAt = null;
    if (brokeAt !== null) {
      const back = new Set([...room.remoteParticipants.values()].map((p) => p.sid));
      for (const sid of [...present.keys()]) {
        if (sid !== selfSid && !back.has(sid)) left(sid, 'dropped', brokeAt);
      }
    }
    onConnected();
  };

  const onConnectionState = (state: ConnectionState): void => {
    if (state === ConnectionState.CONN_CONNECTED) resumed();
    else interrupt();
  };

  const onReconnected = (): void => resumed();

  const dropped = (sid: string): void => {
    if (interruptedAt !== null || pendingDrops.has(sid)) return;
    const at = now();
    const timer = setTimeout(() => {
      pendingDrops.delete(sid);
      left(sid, 'dropped', at);
    }, options.dropConfirmMs ?? DROP_CONFIRM_MS);
    timer.unref?.();
    pendingDrops.set(sid, timer);
  };

  const onParticipantDisconnected = (participant: RemoteParticipant): void => {
    const cause = leaveCauseOf(participant.disconnectReason);
    const sid = participant.sid ?? '';
    if (cause === 'dropped') {
      dropped(sid);
      return;
    }
    if (cause === 'replaced') {
      // rtc-node keys participants by identity: when the new session's join arrives before the
      // old one's leave, the leave carries the new session's participant. The one replaced is
      // the other session of that identity.
      const older = [...present].find(
        ([other, seen]) => other !== sid && seen.identity === participant.identity,
      );
      if (older) {
        left(older[0], cause);
        return;
      }
    }
    left(sid, cause);
  };

  const onDisconnected = (reason: DisconnectReason): void => {
    const cause = leaveCauseOf(reason);
    interrupt();
    // Our own link dropping is LiveKit's to report: from here a dead server and our own lost
    // network look the same, and only the first is not the assistant's failure.
    if (selfSid && cause !== 'dropped') left(selfSid, cause);
    selfSid = null;
    // Only a closed room tells us where the others went; after our own drop, or our own removal
    // from a room that goes on, they may be there still.
    if (cause === 'room_closed' && reason !== DisconnectReason.PARTICIPANT_REMOVED) {
      for (const sid of [...present.keys()]) left(sid, cause);
    }
  };

  room.on(RoomEvent.ConnectionStateChanged, onConnectionState);
  room.on(RoomEvent.Reconnecting, interrupt);
  room.on(RoomEvent.Reconnected, onReconnected);
  room.on(RoomEvent.ParticipantConnected, remoteJoined);
  room.on(RoomEvent.ParticipantDisconnected, onParticipantDisconnected);
  room.on(RoomEvent.Disconnected, onDisconnected);
  if (room.isConnected) onConnected();

  return {
    detach() {
      if (!attached) return;
      attached = false;
      room.off(RoomEvent.ConnectionStateChanged, onConnectionState);
      room.off(RoomEvent.Reconnecting, interrupt);
      room.off(RoomEvent.Reconnected, onReconnected);
      for (const timer of pendingDrops.values()) clearTimeout(timer);
      pendingDrops.clear();
      room.off(RoomEvent.ParticipantConnected, remoteJoined);
      room.off(RoomEvent.ParticipantDisconnected, onParticipantDisconnected);
      room.off(RoomEvent.Disconnected, onDisconnected);
      if (selfSid) left(selfSid, 'self');
      selfSid = null;
    },
  };
}
