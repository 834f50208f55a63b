import { stt } from '@livekit/agents';
import {
  type AudioFrame,
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import { STAFF_IDENTITY_PREFIX } from '@voicedesk/core';
import type { HeardSpeech } from './call-collector.ts';
import { type AgentLogger, errorFacts } from './logger.ts';
import type { Speaker } from './spoken-order.ts';

/** The transcript's speaker for a staff member's identity (`staff-<id>` → `staff:<id>`). */
export function staffSpeaker(identity: string): Speaker | null {
  if (!identity.startsWith(STAFF_IDENTITY_PREFIX)) return null;
  const id = identity.slice(STAFF_IDENTITY_PREFIX.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? `staff:${id}` : null;
}

export interface SideTranscriptionOptions {
  room: Room;
  visitorIdentity: string;
  /** A streaming transcription (the OpenAI plugin's realtime STT against the configured base URL). */
  stt: stt.STT;
  onSpeech(speech: HeardSpeech): void;
  logger: AgentLogger;
  /** How long a stopped stream waits for the text of speech it already heard. */
  finalGraceMs?: number;
}

/** The rate the realtime transcription takes: frames arrive already resampled. */
const STREAM_RATE = 24_000;

class TrackTranscription {
  readonly #audio: ReadableStreamDefaultReader<AudioFrame>;
  readonly #stream: stt.SpeechStream;
  readonly #done: Promise<void>;
  /** Speech started whose final text has not come yet. */
  #owed = false;
  #settled: (() => void) | undefined;

  constructor(
    track: RemoteTrack,
    readonly speaker: Speaker,
    private readonly opts: SideTranscriptionOptions,
  ) {
    this.#audio = new AudioStream(track, { sampleRate: STREAM_RATE, numChannels: 1 }).getReader();
    this.#stream = opts.stt.stream();
    this.#done = Promise.all([this.#pump(), this.#read()]).then(() => undefined);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.#audio.read();
        if (done) break;
        this.#stream.pushFrame(value);
      }
    } catch {
      // the track went away: the stream ends below
    }
    try {
      this.#stream.endInput();
    } catch {
      // already closed
    }
  }

  async #read(): Promise<void> {
    try {
      for await (const ev of this.#stream) {
        const at = Date.now();
        if (ev.type === stt.SpeechEventType.START_OF_SPEECH) {
          this.#owed = true;
          this.opts.onSpeech({ type: 'started', speaker: this.speaker, at });
        } else if (ev.type === stt.SpeechEventType.END_OF_SPEECH) {
          this.opts.onSpeech({ type: 'ended', speaker: this.speaker, at });
        } else if (ev.type === stt.SpeechEventType.FINAL_TRANSCRIPT) {
          const alt = ev.alternatives?.[0];
          this.#owed = false;
          this.#settled?.();
          this.opts.onSpeech({
            type: 'final',
            speaker: this.speaker,
            at,
            text: alt?.text ?? '',
            ...(alt?.language ? { language: alt.language } : {}),
          });
        }
      }
    } catch (error) {
      // The stream's own retries are spent; this speaker goes untranscribed until the next start.
      this.opts.logger.warn(
        { speaker: this.speaker === 'visitor' ? 'visitor' : 'staff', ...errorFacts(error) },
        'side transcription failed',
      );
    }
  }

  /** Stops listening; speech already heard gets `finalGraceMs` for its text. */
  async stop(): Promise<void> {
    if (this.#owed) {
      await new Promise<void>((resolve) => {
        this.#settled = resolve;
        setTimeout(resolve, this.opts.finalGraceMs ?? 3_000);
      });
    }
    this.#stream.close();
    await this.#audio.cancel().catch(() => {});
    await this.#done;
  }
}

/**
 * The worker's own transcription of who the voice session does not hear: the staff member
 * holding the call (whenever they are in the room) and, while staff hold it, the visitor (the
 * session's input is off then, so nothing reaches the model). One streaming transcription per
 * track, so each line has its speaker; lines go to the collector, which places them in the
 * transcript in spoken order.
 */
export class SideTranscription {
  readonly #running = new Map<string, TrackTranscription>();
  #visitorToo = false;
  #closed = false;

  constructor(private readonly opts: SideTranscriptionOptions) {
    opts.room.on(RoomEvent.TrackSubscribed, this.#onSubscribed);
    opts.room.on(RoomEvent.TrackUnsubscribed, this.#onUnsubscribed);
    this.#refresh();
  }

  /** Whether the visitor is transcribed here too (while staff hold the call). */
  setVisitor(on: boolean): Promise<void> {
    this.#visitorToo = on;
    return this.#refresh();
  }

  #speakerOf(identity: string): Speaker | null {
    if (identity === this.opts.visitorIdentity) return this.#visitorToo ? 'visitor' : null;
    return staffSpeaker(identity);
  }

  #onSubscribed = (track: RemoteTrack, _pub: RemoteTrackPublication, participant: RemoteParticipant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    this.#start(track, participant.identity);
  };

  #onUnsubscribed = (track: RemoteTrack) => {
    const running = track.sid ? this.#running.get(track.sid) : undefined;
    if (!running || !track.sid) return;
    this.#running.delete(track.sid);
    void running.stop();
  };

  #start(track: RemoteTrack, identity: string): void {
    const speaker = this.#speakerOf(identity);
    if (this.#closed || !speaker || !track.sid || this.#running.has(track.sid)) return;
    this.opts.logger.info({ speaker: speaker === 'visitor' ? 'visitor' : 'staff' }, 'transcribing a track');
    this.#running.set(track.sid, new TrackTranscription(track, speaker, this.opts));
  }

  async #refresh(): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const [sid, running] of this.#running) {
      if (running.speaker === 'visitor' && !this.#visitorToo) {
        this.#running.delete(sid);
        stopping.push(running.stop());
      }
    }
    for (const participant of this.opts.room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        if (publication.kind === TrackKind.KIND_AUDIO && publication.track) {
          this.#start(publication.track, participant.identity);
        }
      }
    }
    await Promise.all(stopping);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.opts.room.off(RoomEvent.TrackSubscribed, this.#onSubscribed);
    this.opts.room.off(RoomEvent.TrackUnsubscribed, this.#onUnsubscribed);
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.all(all.map((t) => t.stop()));
  }
}
