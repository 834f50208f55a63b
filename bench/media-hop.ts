import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { rms, SPEECH_RMS, startLivekitServer } from '@voicedesk/testkit';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * One WebRTC hop alone: audio handed to an rtc-node AudioSource in one room participant, to the
 * same audio heard through an AudioStream by another, through livekit-server on loopback. A
 * turn crosses two such hops (the visitor's voice to the assistant, the reply back), so this is
 * the part of the call bench's platform turn overhead spent in WebRTC and livekit-server, before
 * and after the worker's own part.
 *
 * Two senders, as a call has them:
 * - the assistant's reply: a 24 kHz source with the framework's 200 ms queue, nothing sent
 *   between replies, the reply's frames handed over as fast as the source takes them (what the
 *   framework's room output does);
 * - a live microphone: a 48 kHz source with a 60 ms queue (the bench visitor's), silence between
 *   utterances, 20 ms frames paced by the source's back-pressure.
 */
const ROOMS = Number(process.env.BENCH_HOP_ROOMS ?? 3);
const TRIALS = Number(process.env.BENCH_HOP_TRIALS ?? 20);
const HEARD_RATE = 48_000;
const TONE_MS = 300;
const WAIT_MS = 5_000;

interface Sender {
  name: string;
  sampleRate: number;
  queueMs: number;
  frameMs: number;
  /** Silence keeps flowing between tones, as from a microphone. */
  live: boolean;
}

const SENDERS: Sender[] = [
  {
    name: "assistant's reply (24 kHz, 200 ms queue, burst)",
    sampleRate: 24_000,
    queueMs: 200,
    frameMs: 20,
    live: false,
  },
  {
    name: 'live microphone (48 kHz, 60 ms queue, paced)',
    sampleRate: 48_000,
    queueMs: 60,
    frameMs: 20,
    live: true,
  },
];

const livekit = await startLivekitServer();
const rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);

function tokenFor(room: string, identity: string): Promise<string> {
  const token = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity, ttl: '10m' });
  token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

function frameOf(sender: Sender, index: number, loud: boolean): AudioFrame {
  const samples = (sender.sampleRate * sender.frameMs) / 1000;
  const data = new Int16Array(samples);
  if (loud) {
    for (let k = 0; k < samples; k++) {
      data[k] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (index * samples + k)) / sender.sampleRate));
    }
  }
  return new AudioFrame(data, sender.sampleRate, 1, samples);
}

/** Milliseconds from each tone's first frame leaving the sender's queue to its first loud frame heard. */
async function measure(sender: Sender, roomName: string): Promise<number[]> {
  await rooms.createRoom({ name: roomName, emptyTimeout: 30 });
  const listener = new Room();
  const heard: { at: number; loud: boolean }[] = [];
  listener.on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const reader = new AudioStream(track, { sampleRate: HEARD_RATE, numChannels: 1 }).getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        heard.push({ at: performance.now(), loud: rms(value.data) > SPEECH_RMS });
      }
    })().catch(() => {});
  });
  await listener.connect(livekit.url, await tokenFor(roomName, 'listener'), {
    autoSubscribe: true,
    dynacast: false,
  });
  const speaker = new Room();
  await speaker.connect(livekit.url, await tokenFor(roomName, 'speaker'), {
    autoSubscribe: false,
    dynacast: false,
  });
  const source = new AudioSource(sender.sampleRate, 1, sender.queueMs);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await speaker.localParticipant?.publishTrack(LocalAudioTrack.createAudioTrack('audio', source), options);

  let feeding = false;
  const feed = async () => {
    feeding = true;
    while (feeding) await source.captureFrame(frameOf(sender, 0, false));
  };
  let feeder = sender.live ? feed() : Promise.resolve();
  let tones = 0;
  // The subscription settles and the receiver's jitter buffer sees steady traffic (or steady silence).
  await sleep(1_500);

  const ms: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    await sleep(600 + Math.random() * 200);
    feeding = false;
    await feeder;
    const from = heard.length;
    let leftAt = 0;
    for (let i = 0; i < TONE_MS / sender.frameMs; i++) {
      // The frame leaves the sender once the audio queued ahead of it has: date that moment.
      if (i === 0) leftAt = performance.now() + source.queuedDuration;
      await source.captureFrame(frameOf(sender, i, true));
    }
    tones++;
    const deadline = performance.now() + WAIT_MS;
    let at: number | undefined;
    for (let next = from; at === undefined && performance.now() < deadline; ) {
      for (; at === undefined && next < heard.length; next++) if (heard[next]?.loud) at = heard[next]?.at;
      if (at === undefined) await sleep(2);
    }
    if (at === undefined) throw new Error(`tone ${tones} of ${sender.name} was never heard`);
    ms.push(at - leftAt);
    if (sender.live) feeder = feed();
  }
  feeding = false;
  await feeder;
  await speaker.disconnect();
  await listener.disconnect();
  await rooms.deleteRoom(roomName);
  return ms;
}

const hops = new Map<string, number[]>(SENDERS.map((s) => [s.name, []]));
try {
  // Rooms alternate between the senders so a noisy minute lands on both.
  for (let round = 0; round < ROOMS; round++) {
    for (const [index, sender] of SENDERS.entries()) {
      hops.get(sender.name)?.push(...(await measure(sender, `hop-${round}-${index}`)));
    }
  }
} finally {
  await livekit.stop();
}

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version },
  rooms: ROOMS,
  trialsPerRoom: TRIALS,
  hops: Object.fromEntries([...hops].map(([name, ms]) => [name, summary(ms)])),
};
const rows = [...hops].map(([name, ms]) => {
  const s = summary(ms);
  return `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.min} |`;
});
writeResults(
  'media-hop',
  results,
  [
    'One WebRTC hop through livekit-server on loopback: audio handed to an AudioSource → the same audio heard through an AudioStream (rtc-node on both ends). A turn crosses two.',
    '| sender | n | p50 ms | p95 ms | min ms |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
);
process.exit(0);
