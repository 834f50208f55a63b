import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { readWav, resample, rms } from '../audio/wav.ts';
import { type HeardFrame, heardFrom, type SpeakerFilter, speechOnset } from './speech-onset.ts';

export type { HeardFrame, SpeakerFilter } from './speech-onset.ts';

export interface SimulatedVisitor {
  room: Room;
  say(wavPath: string): Promise<{ startedAt: number; endedAt: number }>;
  waitForSpeech(opts: {
    after?: number;
    from?: SpeakerFilter;
    minRms?: number;
    minDurationMs?: number;
    timeoutMs: number;
  }): Promise<{
    startedAt: number;
  }>;
  waitForSilence(opts: { after?: number; silenceMs?: number; timeoutMs: number }): Promise<{ at: number }>;
  speechSegments(minRms?: number, from?: SpeakerFilter): { start: number; end: number }[];
  heardFrames(): readonly HeardFrame[];
  remoteParticipants(): { identity: string; kind: number }[];
  isConnected(): boolean;
  /** Everything the agent session streamed to this browser-equivalent (topic lk.agent.session). */
  sessionMessages(): Buffer[];
  /** When an agent participant was first in the room with us (wall-clock ms). */
  agentSeenAt(timeoutMs: number): Promise<number>;
  hangUp(): Promise<void>;
}

/** Above the decoder's comfort noise, well below any speech the double or espeak produce. */
export const SPEECH_RMS = 300;
/** Threshold for where an utterance the visitor plays begins and ends (the double's VAD level). */
export const SPEECH_EDGE_RMS = 150;
const FRAME_MS = 20;
/** Quiet inside a word (a stop consonant's closure) that does not end the speech heard. */
const SPEECH_GAP_MS = 80;

/** rtc-node's AudioStream hands the visitor 10 ms frames (its default: every frame of a call was 480 samples at 48 kHz). */
const HEARD_FRAME_MS = 10;
/** How long a run of loud frames must last to be speech (`waitForSpeech`'s default). */
const SPEECH_MIN_MS = 150;

/**
 * When this visitor would date the start of speech in `samples`, heard as they arrive: ms from
 * their start to the end of the first loud frame of the first speech run. What the benches call
 * the first greeting audio heard, so other listeners (the widget's trace) can be held to it.
 */
export function speechOnsetIn(samples: Int16Array, sampleRate: number): number | undefined {
  const frameLength = (sampleRate * HEARD_FRAME_MS) / 1000;
  const frames: HeardFrame[] = [];
  for (let start = 0; start + frameLength <= samples.length; start += frameLength) {
    const at = ((start + frameLength) * 1000) / sampleRate;
    frames.push({ at, rms: rms(samples, start, start + frameLength), from: '' });
  }
  return speechOnset(frames, {
    after: 0,
    from: undefined,
    minRms: SPEECH_RMS,
    minDurationMs: SPEECH_MIN_MS,
    maxGapMs: SPEECH_GAP_MS,
    frameMs: HEARD_FRAME_MS,
  });
}

async function until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`visitor: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A website visitor on @livekit/rtc-node: joins like the widget, keeps a live microphone
 * (silence between utterances, as a real mic sends), plays WAV speech, and timestamps the
 * energy of everything it hears.
 */
export async function connectVisitor(opts: {
  url: string;
  token: string;
  sampleRate?: number;
}): Promise<SimulatedVisitor> {
  const sampleRate = opts.sampleRate ?? 48_000;
  const frameSamples = (sampleRate * FRAME_MS) / 1000;
  const room = new Room();
  const heard: HeardFrame[] = [];
  const readers: ReadableStreamDefaultReader<AudioFrame>[] = [];
  let connected = false;

  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _publication, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const from = participant.identity;
    const reader = new AudioStream(track, { sampleRate, numChannels: 1 }).getReader();
    readers.push(reader);
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          heard.push({ at: Date.now(), rms: rms(value.data), from });
        }
      } catch {
        // stream closed on hang-up
      }
    })();
  });
  const sessionBytes: Buffer[] = [];
  room.registerByteStreamHandler('lk.agent.session', (reader) => {
    void reader
      .readAll()
      .then((chunks) => sessionBytes.push(Buffer.concat(chunks.map((c) => Buffer.from(c)))))
      .catch(() => {});
  });
  let agentSeen: number | undefined;
  const AGENT_KIND = 4;
  room.on(RoomEvent.ParticipantConnected, (p) => {
    if (Number(p.kind) === AGENT_KIND) agentSeen ??= Date.now();
  });
  room.on(RoomEvent.Disconnected, () => {
    connected = false;
  });

  await room.connect(opts.url, opts.token, { autoSubscribe: true, dynacast: false });
  connected = true;
  if ([...room.remoteParticipants.values()].some((p) => Number(p.kind) === AGENT_KIND))
    agentSeen ??= Date.now();

  // A small queue keeps captureFrame's back-pressure close to real time, so "spoken at"
  // timestamps are within a frame or two of when the audio actually leaves.
  const source = new AudioSource(sampleRate, 1, 60);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const publishOptions = new TrackPublishOptions();
  publishOptions.source = TrackSource.SOURCE_MICROPHONE;
  await room.localParticipant?.publishTrack(track, publishOptions);

  const queue: { samples: Int16Array; onSent?: (playsAt: number) => void }[] = [];
  const silence = new Int16Array(frameSamples);
  let feeding = true;
  const feeder = (async () => {
    while (feeding) {
      const next = queue.shift();
      await source.captureFrame(new AudioFrame(next?.samples ?? silence, sampleRate, 1, frameSamples));
      // The frame leaves once the audio queued ahead of it has played: stamp that moment.
      next?.onSent?.(Date.now() + Math.max(0, source.queuedDuration - FRAME_MS));
    }
  })().catch(() => {});

  const visitor: SimulatedVisitor = {
    room,
    async say(wavPath) {
      const wav = readWav(wavPath);
      const pcm = resample(wav.samples, wav.sampleRate, sampleRate);
      const frames: Int16Array[] = [];
      for (let i = 0; i + frameSamples <= pcm.length; i += frameSamples)
        frames.push(pcm.slice(i, i + frameSamples));
      // The spoken span is measured as a server VAD would hear it: quieter tails count as speech.
      const loud = frames.map((f) => rms(f) > SPEECH_EDGE_RMS);
      const first = loud.indexOf(true);
      const last = loud.lastIndexOf(true);
      if (first < 0) throw new Error(`${wavPath} holds no speech`);
      const times: { startedAt?: number; endedAt?: number } = {};
      await new Promise<void>((resolve) => {
        frames.forEach((samples, i) => {
          queue.push({
            samples,
            onSent: (playsAt) => {
              if (i === first) times.startedAt = playsAt;
              if (i === last) times.endedAt = playsAt + FRAME_MS;
              if (i === frames.length - 1) resolve();
            },
          });
        });
      });
      return { startedAt: times.startedAt ?? 0, endedAt: times.endedAt ?? 0 };
    },
    waitForSpeech({ after = 0, from, minRms = SPEECH_RMS, minDurationMs = SPEECH_MIN_MS, timeoutMs }) {
      return until(from ? `speech from ${from}…` : 'remote speech', timeoutMs, () => {
        const startedAt = speechOnset(heard, {
          after,
          from,
          minRms,
          minDurationMs,
          maxGapMs: SPEECH_GAP_MS,
          frameMs: FRAME_MS,
        });
        return startedAt === undefined ? undefined : { startedAt };
      });
    },
    waitForSilence({ after = 0, silenceMs = 700, timeoutMs }) {
      // A quiet remote track may stop sending frames at all, so silence is measured on the clock.
      return until('remote silence', timeoutMs, () => {
        let lastLoud = after;
        for (const f of heard) if (f.at >= after && f.rms > SPEECH_RMS) lastLoud = f.at;
        return Date.now() - lastLoud >= silenceMs ? { at: lastLoud } : undefined;
      });
    },
    speechSegments(minRms = SPEECH_RMS, from) {
      const segments: { start: number; end: number }[] = [];
      for (const f of heard) {
        if (f.rms <= minRms || !heardFrom(f, from)) continue;
        const current = segments.at(-1);
        if (current && f.at - current.end <= 250) current.end = f.at;
        else segments.push({ start: f.at, end: f.at });
      }
      return segments;
    },
    heardFrames: () => heard,
    remoteParticipants: () =>
      [...room.remoteParticipants.values()].map((p) => ({ identity: p.identity, kind: Number(p.kind) })),
    isConnected: () => connected && room.isConnected,
    sessionMessages: () => sessionBytes,
    agentSeenAt: (timeoutMs) => until('an agent participant', timeoutMs, () => agentSeen),
    async hangUp() {
      feeding = false;
      await feeder;
      for (const r of readers) await r.cancel().catch(() => {});
      if (room.isConnected) await room.disconnect();
      connected = false;
      await track.close().catch(() => {});
      await source.close().catch(() => {});
    },
  };
  return visitor;
}
