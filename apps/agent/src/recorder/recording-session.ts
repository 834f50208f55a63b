import {
  type AudioFrame,
  AudioStream,
  type Participant,
  ParticipantKind,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import { participantKindOf, type RecorderStart } from '@voicedesk/core';
import type { InternalApi } from '../api-client.ts';
import { backoffDelay, sleep } from '../backoff.ts';
import type { AgentLogger } from '../logger.ts';
import { SAMPLE_RATE, samplesToMs } from './audio-format.ts';
import { OggChunker } from './ogg-chunker.ts';
import { OggOpusWriter } from './ogg-opus-writer.ts';
import { createStereoOpusEncoder } from './opus-encoder.ts';
import { RecordingSpool } from './recording-spool.ts';
import { RecordingUploader, type UploadOutcome } from './recording-uploader.ts';
import { SpeechOnsetDetector } from './speech-onsets.ts';
import { type Side, TimelineMixer, type TimelineMixerOptions } from './timeline-mixer.ts';

type SessionEndReason = 'room_closed' | 'idle' | 'shutdown' | 'join_failed' | 'rejected';

export interface RecordingSessionOptions {
  request: RecorderStart;
  api: InternalApi;
  spoolDir: string;
  chunkSeconds: number;
  idleSeconds: number;
  logger: AgentLogger;
  maxBackoffMs?: number;
  joinAttempts?: number;
  mixer?: Pick<TimelineMixerOptions, 'gapMs' | 'confirmMs' | 'latencyMs'>;
}

/** Pages of at most a second: a chunk is cut within a second of its interval. */
const MAX_PAGE_SECONDS = 1;

/** Visitor left; assistant and staff right (all three voices are recorded); recorders not at all. */
export function sideOf(participant: Pick<Participant, 'identity' | 'kind'>): Side | null {
  const kind = participantKindOf(participant.identity, participant.kind === ParticipantKind.AGENT);
  if (kind === 'recorder') return null;
  return kind === 'visitor' ? 'left' : 'right';
}

/**
 * One call's recording: joins the room as the hidden, subscribe-only participant of its token,
 * mixes every visitor track to the left and every assistant or staff track to the right (see
 * TimelineMixer), encodes 20 ms packets into Ogg Opus, cuts chunks and uploads them (see
 * RecordingUploader). It ends when the room goes (the API deletes it when the call ends), when
 * nobody but recorders has been in it for `idleSeconds`, or when asked to; then it flushes the
 * encoder, uploads the last chunk and sends the finish.
 */
export class RecordingSession {
  readonly callId: string;
  readonly #opts: RecordingSessionOptions;
  readonly #log: AgentLogger;
  readonly #room = new Room();
  readonly #readers = new Set<ReadableStreamDefaultReader<AudioFrame>>();
  readonly #mixer: TimelineMixer;
  readonly #writer: OggOpusWriter;
  readonly #chunker: OggChunker;
  readonly #onsets = new SpeechOnsetDetector();
  #uploader: RecordingUploader | null = null;
  #endReason: SessionEndReason | null = null;
  readonly #ending = new AbortController();
  readonly #endRequested = new Promise<void>((resolve) =>
    this.#ending.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  readonly #onTrack = (track: RemoteTrack, _publication: unknown, participant: RemoteParticipant) =>
    this.#recordTrack(track, participant);
  readonly #onPresence = () => this.#checkIdle();
  readonly #onDisconnected = () => void this.end('room_closed');
  #idleTimer: NodeJS.Timeout | undefined;
  #flushed!: () => void;
  /** Resolves once every chunk is handed to the uploader (or the recording was refused). */
  readonly #allHandedOver = new Promise<void>((resolve) => {
    this.#flushed = resolve;
  });
  /** Resolves once the recording is over: delivered, refused, or left in the spool. */
  readonly done: Promise<UploadOutcome>;

  constructor(options: RecordingSessionOptions) {
    this.#opts = options;
    this.callId = options.request.callId;
    this.#log = options.logger;
    const pageSeconds = Math.min(MAX_PAGE_SECONDS, options.chunkSeconds);
    const encoder = createStereoOpusEncoder();
    this.#chunker = new OggChunker({
      chunkSeconds: options.chunkSeconds,
      pageSeconds,
      preSkip: encoder.preSkip,
      onChunk: (chunk) => this.#uploader?.addChunk(chunk),
    });
    this.#writer = new OggOpusWriter(encoder, (page) => this.#chunker.addPage(page), {
      maxPageSeconds: pageSeconds,
    });
    this.#mixer = new TimelineMixer({
      startOn: 'left',
      ...options.mixer,
      onFrame: (frame) => {
        this.#onsets.push(frame);
        this.#writer.write(frame);
      },
    });
    this.done = this.#run();
  }

  /** Ends the recording (idempotent): what was heard is flushed, uploaded and finished. */
  end(reason: SessionEndReason): Promise<UploadOutcome> {
    if (!this.#endReason) {
      this.#endReason = reason;
      this.#ending.abort();
    }
    return this.done;
  }

  /** Ends, and leaves in the spool whatever the API has not taken by the deadline. */
  async shutdown(deadlineMs: number): Promise<UploadOutcome> {
    void this.end('shutdown');
    const deadline = new AbortController();
    const outcome = await Promise.race([this.done, sleep(deadlineMs, deadline.signal).then(() => null)]);
    deadline.abort();
    if (outcome) return outcome;
    // The last chunk must be in the uploader's queue before the queue goes to disk.
    await this.#allHandedOver;
    await this.#uploader?.persist();
    await this.#uploader?.stop();
    return this.done;
  }

  async #run(): Promise<UploadOutcome> {
    try {
      return await this.#record();
    } finally {
      // Also when something threw: a shutdown waits for this.
      this.#flushed();
    }
  }

  async #record(): Promise<UploadOutcome> {
    const spool = await RecordingSpool.create(this.#opts.spoolDir, this.callId, this.#log);
    const uploader = new RecordingUploader({
      api: this.#opts.api,
      callId: this.callId,
      spool,
      logger: this.#log,
      ...(this.#opts.maxBackoffMs === undefined ? {} : { maxBackoffMs: this.#opts.maxBackoffMs }),
    });
    this.#uploader = uploader;
    await uploader.start(null);
    // A refusal of a chunk ends the recording; nothing more is uploaded.
    void uploader.settled().then((outcome) => {
      if (outcome === 'rejected') void this.end('rejected');
    });

    this.#listen();
    const joined = await this.#join();
    if (joined) this.#log.info({ callId: this.callId }, 'recorder joined the room');
    else void this.end('join_failed');
    await this.#endRequested;
    await this.#leave();

    const reason = this.#endReason ?? 'shutdown';
    if (reason === 'rejected') {
      this.#flushed();
      await this.#writer.cancel();
      return uploader.settled();
    }
    const end = this.#mixer.finish();
    try {
      await this.#writer.finish(end.tail, end.totalSamples);
    } catch (error) {
      this.#log.error({ callId: this.callId, error: errorName(error) }, 'could not end the Ogg stream');
    }
    this.#chunker.flush();
    uploader.finish(this.#onsets.onsets);
    this.#flushed();
    this.#log.info(
      {
        callId: this.callId,
        reason,
        chunks: this.#chunker.chunks,
        durationMs: samplesToMs(end.totalSamples),
      },
      'recording ended, uploading the rest',
    );
    return uploader.settled();
  }

  #listen(): void {
    this.#room
      .on(RoomEvent.TrackSubscribed, this.#onTrack)
      .on(RoomEvent.ParticipantConnected, this.#onPresence)
      .on(RoomEvent.ParticipantDisconnected, this.#onPresence)
      .on(RoomEvent.Disconnected, this.#onDisconnected);
  }

  /** Ours only: rtc-node keeps listeners of its own on the room. */
  #unlisten(): void {
    this.#room
      .off(RoomEvent.TrackSubscribed, this.#onTrack)
      .off(RoomEvent.ParticipantConnected, this.#onPresence)
      .off(RoomEvent.ParticipantDisconnected, this.#onPresence)
      .off(RoomEvent.Disconnected, this.#onDisconnected);
  }

  async #join(): Promise<boolean> {
    const attempts = this.#opts.joinAttempts ?? 3;
    for (let attempt = 1; attempt <= attempts && !this.#endReason; attempt++) {
      try {
        await this.#room.connect(this.#opts.request.livekitUrl, this.#opts.request.token, {
          autoSubscribe: true,
          dynacast: false,
        });
        this.#checkIdle();
        return true;
      } catch (error) {
        this.#log.warn(
          { callId: this.callId, attempt, error: errorName(error) },
          'recorder could not join the room',
        );
        if (attempt < attempts) await sleep(backoffDelay(attempt, 500, 5_000), this.#ending.signal);
      }
    }
    return false;
  }

  #recordTrack(track: RemoteTrack, participant: RemoteParticipant): void {
    if (track.kind !== TrackKind.KIND_AUDIO || this.#endReason) return;
    const side = sideOf(participant);
    if (!side) return;
    const lane = this.#mixer.addTrack(side);
    const reader = new AudioStream(track, { sampleRate: SAMPLE_RATE, numChannels: 1 }).getReader();
    this.#readers.add(reader);
    this.#log.info({ callId: this.callId, trackSid: track.sid, side }, 'recording a track');
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || this.#endReason) break;
          const arrivedAt = performance.now();
          const at = new Date().toISOString();
          const started = this.#mixer.origin !== null;
          lane.push(value.data, arrivedAt);
          // Sample 0 is this frame's arrival (the mixer may drop frames that come before the call).
          if (!started && this.#mixer.origin !== null) void this.#uploader?.start(at);
        }
      } catch (error) {
        this.#log.warn(
          { callId: this.callId, trackSid: track.sid, error: errorName(error) },
          'track stream failed',
        );
      } finally {
        lane.close();
        this.#readers.delete(reader);
      }
    })();
  }

  #checkIdle(): void {
    if (this.#endReason) return;
    const present = [...this.#room.remoteParticipants.values()].some((p) => sideOf(p) !== null);
    if (present) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      return;
    }
    this.#idleTimer ??= setTimeout(() => void this.end('idle'), this.#opts.idleSeconds * 1000);
  }

  async #leave(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#unlisten();
    await Promise.all([...this.#readers].map((reader) => reader.cancel().catch(() => {})));
    if (this.#room.isConnected) {
      const timer = new AbortController();
      await Promise.race([this.#room.disconnect().catch(() => {}), sleep(5_000, timer.signal)]);
      timer.abort();
    }
  }
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) return String(error.code);
  return error instanceof Error ? error.name : 'unknown';
}
