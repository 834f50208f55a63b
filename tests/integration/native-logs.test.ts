import type { FfiEvent } from '@livekit/rtc-ffi-bindings';
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import { type LivekitServer, startLivekitServer } from '@voicedesk/testkit';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { quietNativeLogs } from '../../apps/agent/src/native-logs.ts';

/**
 * The worker's job processes and the recorder turn off rtc-node's log capture (native-logs.ts).
 * Against a real livekit-server: two participants join, one speaks for a second, and every event
 * rtc-node's client emits is counted. Each test file runs in a process of its own, so the native
 * part starts here as it does in a job process.
 */

const ROOM = 'native-logs';
let lk: LivekitServer;
const rooms: Room[] = [];

beforeAll(async () => {
  lk = await startLivekitServer();
  await new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret).createRoom({ name: ROOM });
});

afterAll(async () => {
  for (const room of rooms) await room.disconnect();
  await lk?.stop();
});

async function join(identity: string): Promise<Room> {
  const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity });
  token.addGrant({ room: ROOM, roomJoin: true, canPublish: true, canSubscribe: true });
  const room = new Room();
  rooms.push(room);
  await room.connect(lk.url, await token.toJwt(), { autoSubscribe: true, dynacast: false });
  return room;
}

it("keeps the native SDK's log records in Rust, while room events and audio still reach JavaScript", async () => {
  expect(await quietNativeLogs()).toBe('quiet');

  const client = (globalThis as { _ffiClientInstance?: NodeJS.EventEmitter })._ffiClientInstance;
  if (!client) throw new Error("rtc-node's client is not where native-logs.ts looks for it");
  const seen = new Map<string, number>();
  const logTargets = new Set<string>();
  client.on('ffi_event', (event: FfiEvent) => {
    const kind = event.message.case ?? 'none';
    seen.set(kind, (seen.get(kind) ?? 0) + 1);
    if (event.message.case === 'logs')
      for (const record of event.message.value.records) logTargets.add(record.target ?? '');
  });

  const speaker = await join('speaker');
  const listener = await join('listener');
  let framesHeard = 0;
  listener.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    void (async () => {
      const reader = new AudioStream(track).getReader();
      while (!(await reader.read()).done) framesHeard++;
    })();
  });
  const source = new AudioSource(48_000, 1);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await speaker.localParticipant?.publishTrack(
    LocalAudioTrack.createAudioTrack('microphone', source),
    options,
  );
  const tenMs = new AudioFrame(new Int16Array(480).fill(1_000), 48_000, 1, 480);
  for (let i = 0; i < 150; i++) await source.captureFrame(tenMs);

  await expect.poll(() => framesHeard, { timeout: 10_000 }).toBeGreaterThan(50);
  expect(seen.get('roomEvent')).toBeGreaterThan(0);
  // Before: about 2,000 log records a second crossed over (libwebrtc, the signalling socket…),
  // one event each. The native part's own start-up line, queued before the switch, may follow.
  expect([...logTargets].filter((target) => target !== 'livekit_ffi::server')).toEqual([]);
  await source.close();
});
