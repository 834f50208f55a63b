import type { RoomState } from '@voicedesk/core';
import {
  ConnectionError,
  ConnectionErrorReason,
  DisconnectReason,
  type Participant,
  type RemoteTrack,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { readRoomState } from './room-state.ts';
import { levelOf, METER_INTERVAL_MS, meterWindow } from './voice-meter.ts';

/** One step of the assistant's caption: the text of a segment so far, and whether it is over. */
export interface Caption {
  segment: string;
  text: string;
  /** The segment's stream closed: all of it was spoken, or it was interrupted where it stops. */
  done: boolean;
}

/** Steps of joining a room that the widget reports in its call trace. */
export type JoinStep = 'room-connecting' | 'room-connected';

export interface CallHandlers {
  onJoinStep(step: JoinStep): void;
  /**
   * Who the visitor talks to changed: the room metadata the API writes (issue 14), and whether
   * the assistant that was in the room is gone with no other there yet.
   */
  onRoomState(state: RoomState, assistantAway: boolean): void;
  onConnected(): void;
  onCaption(caption: Caption): void;
  onAgentLevel(level: number): void;
  onReconnecting(): void;
  onReconnected(): void;
  onEnded(reason: 'hung_up' | 'connection_lost' | 'closed'): void;
}

export interface CallSession {
  setMuted(muted: boolean): Promise<void>;
  hangUp(): Promise<void>;
}

export class MicrophoneError extends Error {
  constructor(readonly code: 'mic_denied' | 'no_mic') {
    super(code);
  }
}

/**
 * The call can no longer be joined: its room is gone (the API releases a call nobody joined
 * within its join window and deletes the room; with `room.auto_create: false` LiveKit then
 * answers 404 "requested room does not exist") or its token is refused. A fresh call can be.
 */
export class CallGoneError extends Error {
  readonly code = 'call_gone';
}

/** The connection dropped between getting into the room and the microphone going live. */
export class JoinInterruptedError extends Error {
  readonly code = 'connection_lost';
}

const TRANSCRIPTION_TOPIC = 'lk.transcription';

/**
 * How long a visitor waits in silence for a lost connection to come back before the call is
 * called lost. The SDK's default keeps trying for ~45 s, far longer than anyone stays on a
 * support line they cannot hear.
 */
const RECONNECT_GIVE_UP_MS = 15_000;

const reconnectPolicy = {
  nextRetryDelayInMs: ({ elapsedMs, retryCount }: { elapsedMs: number; retryCount: number }) =>
    elapsedMs >= RECONNECT_GIVE_UP_MS ? null : Math.min(300 * 2 ** retryCount, 3_000),
};

/**
 * A room for the next call (or `room` again), its signalling connection warmed (DNS, TCP, TLS)
 * before the call is minted: the widget prepares one when the page is idle and again when the
 * visitor heads for the button, so the press does not pay for it. It opens no microphone and
 * joins nothing.
 */
export function prepare(
  url: string,
  room = new Room({ adaptiveStream: false, dynacast: false, reconnectPolicy }),
): Room {
  void room.prepareConnection(url).catch(() => undefined);
  return room;
}

/** How long no assistant must be in the room before the visitor is told it is being reconnected. */
export const ASSISTANT_AWAY_HOLD_MS = 2_000;

function isAgent(p: Participant | undefined): boolean {
  return p?.isAgent ?? false;
}

/** Level of the agent's audio as this page hears it, for the speaking indicator. */
function meterTrack(track: RemoteTrack, onLevel: (level: number) => void): () => void {
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = meterWindow(ctx.sampleRate);
  source.connect(analyser);
  const data = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(data);
    onLevel(levelOf(data));
  }, METER_INTERVAL_MS);
  return () => {
    clearInterval(timer);
    void ctx.close();
  };
}

export async function joinCall(
  room: Room,
  call: { livekitUrl: string; token: string },
  mount: HTMLElement,
  handlers: CallHandlers,
): Promise<CallSession> {
  const cleanups: Array<() => void> = [];
  let hangingUp = false;
  // Until the microphone is live, a lost room fails the join instead of ending a call. The API
  // ends a call nobody joined and then deletes its room: a visitor who gets in between is
  // dropped while publishing, and livekit-client's publish would wait on its peer connection.
  let established = false;
  let failJoin: (err: Error) => void = () => {};
  const lostWhileJoining = new Promise<never>((_resolve, reject) => {
    failJoin = reject;
  });
  lostWhileJoining.catch(() => {});

  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== Track.Kind.Audio) return;
    const el = track.attach();
    mount.append(el);
    cleanups.push(() => el.remove(), meterTrack(track, handlers.onAgentLevel));
  });
  // The agent framework (room_io, synchronised transcription) opens one text stream per spoken
  // segment and writes each word as its audio plays; an interrupted segment's stream closes at
  // the last word heard. A stream for a segment already seen carries its text again (a final
  // transcript replaces the interim one), so each stream's text replaces the segment's.
  let latest = '';
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, async (reader, info) => {
    // The visitor's own transcript comes on the same topic under the visitor's identity.
    if (!isAgent(room.remoteParticipants.get(info.identity))) return;
    const segment = reader.info.attributes?.['lk.segment_id'] ?? reader.info.id;
    latest = segment;
    let text = '';
    try {
      for await (const chunk of reader) {
        text += chunk;
        if (segment === latest && text.trim()) handlers.onCaption({ segment, text, done: false });
      }
    } catch {
      // A stream cut off (the agent left, the call ended) keeps what was already shown.
    }
    if (segment === latest && text.trim()) handlers.onCaption({ segment, text, done: true });
  });
  // The API rewrites the metadata on every phase change; a repeat (or a rewrite that changes
  // nothing the visitor sees) is not announced again.
  let shownState = '';
  // An assistant whose worker died leaves the room while the call goes on, and the API sends a
  // new one: until it joins, the visitor is told rather than left talking to nobody.
  let assistantAway = false;
  let awayTimer: ReturnType<typeof setTimeout> | undefined;
  const assistantHere = () => [...room.remoteParticipants.values()].some(isAgent);
  const showRoomState = () => {
    const state = readRoomState(room.metadata);
    const key = [state.phase, state.escalationId, state.outcome, state.staffName, assistantAway].join('|');
    if (key === shownState) return;
    shownState = key;
    handlers.onRoomState(state, assistantAway);
  };
  const showIfEstablished = () => {
    if (established) showRoomState();
  };
  room.on(RoomEvent.RoomMetadataChanged, showIfEstablished);
  room.on(RoomEvent.ParticipantDisconnected, (participant) => {
    if (!isAgent(participant) || assistantHere() || awayTimer) return;
    // An assistant that ends the call leaves just before the API closes the room: that is no
    // loss to announce, so a leave counts once no assistant has been back for a moment.
    awayTimer = setTimeout(() => {
      awayTimer = undefined;
      if (assistantHere()) return;
      assistantAway = true;
      showIfEstablished();
    }, ASSISTANT_AWAY_HOLD_MS);
  });
  room.on(RoomEvent.ParticipantConnected, (participant) => {
    if (!isAgent(participant)) return;
    clearTimeout(awayTimer);
    awayTimer = undefined;
    if (!assistantAway) return;
    assistantAway = false;
    showIfEstablished();
  });
  cleanups.push(() => clearTimeout(awayTimer));
  // A dropped signalling socket is first resumed (SignalReconnecting), then fully restarted.
  room.on(RoomEvent.SignalReconnecting, () => handlers.onReconnecting());
  room.on(RoomEvent.Reconnecting, () => handlers.onReconnecting());
  room.on(RoomEvent.Reconnected, () => handlers.onReconnected());
  room.on(RoomEvent.Disconnected, (reason) => {
    for (const c of cleanups.splice(0)) c();
    // A join that fails also ends in Disconnected; the caller hears of it from the rejection.
    if (!established) {
      failJoin(
        reason === DisconnectReason.ROOM_DELETED
          ? new CallGoneError('the room was deleted as the call was joined')
          : new JoinInterruptedError('the connection was lost as the call was joined'),
      );
      return;
    }
    if (hangingUp) handlers.onEnded('hung_up');
    else if (reason === DisconnectReason.ROOM_DELETED) handlers.onEnded('closed');
    else handlers.onEnded('connection_lost');
  });

  // The microphone opens and is published while the room connects (livekit-client holds the
  // publication until signalling is up, then negotiates it with the connection): the assistant
  // greets once it hears the visitor, so publishing after the connect would delay every greeting.
  const micTrack = room.localParticipant.createTracks({ audio: true }).then(([track]) => {
    if (!track) throw new Error('no microphone track');
    return track;
  });
  const micPublished = micTrack.then((track) => room.localParticipant.publishTrack(track));
  micPublished.catch(() => {});
  // A join that fails turns the microphone off at once (a held publication would keep it 15 s).
  const releaseMic = () =>
    micTrack.then(
      (track) => track.stop(),
      () => {},
    );

  try {
    handlers.onJoinStep('room-connecting');
    await room.connect(call.livekitUrl, call.token, { autoSubscribe: true });
    handlers.onJoinStep('room-connected');
  } catch (err) {
    await releaseMic();
    // This room is left behind: its handlers must not report a call that never started.
    room.removeAllListeners();
    room.unregisterTextStreamHandler(TRANSCRIPTION_TOPIC);
    if (err instanceof ConnectionError && err.reason === ConnectionErrorReason.NotAllowed) {
      throw new CallGoneError(err.message);
    }
    throw err;
  }
  try {
    await Promise.race([micPublished, lostWhileJoining]);
  } catch (err) {
    await room.disconnect();
    await releaseMic();
    if (err instanceof CallGoneError || err instanceof JoinInterruptedError) throw err;
    const name = (err as Error).name;
    throw new MicrophoneError(
      name === 'NotFoundError' || name === 'OverconstrainedError' ? 'no_mic' : 'mic_denied',
    );
  }
  established = true;
  handlers.onConnected();
  showRoomState();
  return {
    async setMuted(muted) {
      await room.localParticipant.setMicrophoneEnabled(!muted);
    },
    async hangUp() {
      hangingUp = true;
      await room.disconnect();
    },
  };
}
