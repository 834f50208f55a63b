import {
  createLocalAudioTrack,
  DisconnectReason,
  type LocalAudioTrack,
  type Participant,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { type CallEnd, describePerson, type Person } from './call-people.ts';

/**
 * The staff member's side of a call's LiveKit room (loaded with the answer page only, so the
 * sign-in bundle carries no livekit-client): join with the accept token, publish the microphone,
 * play everyone else, and tell the page who is there and how it ended.
 */
export interface StaffCallHandlers {
  onPeople(people: Person[]): void;
  onReconnecting(): void;
  onReconnected(): void;
  onEnded(end: CallEnd): void;
  /** The microphone could not be turned on: the staff member still hears the call. */
  onMicrophoneProblem(problem: 'mic_denied' | 'no_mic'): void;
}

export interface StaffCall {
  setMuted(muted: boolean): Promise<void>;
  /** Leave the room; `as` says why, for the page's message. */
  leave(as: CallEnd): Promise<void>;
}

function endFor(reason: DisconnectReason | undefined): CallEnd {
  if (reason === DisconnectReason.ROOM_DELETED || reason === DisconnectReason.ROOM_CLOSED)
    return 'room_closed';
  if (reason === DisconnectReason.PARTICIPANT_REMOVED) return 'removed';
  if (reason === DisconnectReason.CLIENT_INITIATED) return 'left';
  return 'connection_lost';
}

export async function joinStaffCall(
  call: { livekitUrl: string; token: string },
  mount: HTMLElement,
  handlers: StaffCallHandlers,
): Promise<StaffCall> {
  const room = new Room({ adaptiveStream: false, dynacast: false });
  let leaving: CallEnd | undefined;
  const people = () => {
    const me = room.localParticipant.identity;
    const all: Participant[] = [room.localParticipant, ...room.remoteParticipants.values()];
    return all.map((p) => describePerson({ identity: p.identity, name: p.name, isAgent: p.isAgent }, me));
  };
  const announce = () => handlers.onPeople(people());
  room.on(RoomEvent.ParticipantConnected, announce);
  room.on(RoomEvent.ParticipantDisconnected, announce);
  room.on(RoomEvent.ParticipantNameChanged, announce);
  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== Track.Kind.Audio) return;
    mount.append(track.attach());
  });
  room.on(RoomEvent.TrackUnsubscribed, (track) => {
    for (const el of track.detach()) el.remove();
  });
  room.on(RoomEvent.SignalReconnecting, () => handlers.onReconnecting());
  room.on(RoomEvent.Reconnecting, () => handlers.onReconnecting());
  room.on(RoomEvent.Reconnected, () => handlers.onReconnected());
  room.on(RoomEvent.Disconnected, (reason) => {
    for (const el of mount.querySelectorAll('audio')) el.remove();
    handlers.onEnded(leaving ?? endFor(reason));
  });

  // The microphone opens while the room connects (each takes hundreds of ms): the visitor hears
  // the staff member as soon as the join completes.
  const microphone: Promise<LocalAudioTrack | Error> = createLocalAudioTrack().catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
  try {
    await room.connect(call.livekitUrl, call.token, { autoSubscribe: true });
  } catch (err) {
    // Never leave the microphone on for a call that was not joined.
    void microphone.then((t) => (t instanceof Error ? undefined : t.stop()));
    throw err;
  }
  announce();
  const track = await microphone;
  try {
    if (track instanceof Error) throw track;
    await room.localParticipant.publishTrack(track, { source: Track.Source.Microphone });
  } catch (err) {
    // Still in the room, listening: the page says what is wrong and how to fix it.
    const name = (err as Error).name;
    handlers.onMicrophoneProblem(
      name === 'NotFoundError' || name === 'OverconstrainedError' ? 'no_mic' : 'mic_denied',
    );
  }
  // A page opened without a click (a reload) may start with audio blocked until one comes.
  if (!room.canPlaybackAudio) void room.startAudio().catch(() => undefined);
  return {
    async setMuted(muted) {
      await room.localParticipant.setMicrophoneEnabled(!muted);
    },
    async leave(as) {
      leaving ??= as;
      await room.disconnect();
    },
  };
}
