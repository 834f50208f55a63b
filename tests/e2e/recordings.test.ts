/**
 * Every call recorded, end to end: real livekit-server, the real worker and recorder processes,
 * a real MinIO and Postgres. What an admin plays back must hold every voice where it was said,
 * line up with the transcript, and survive the recorder, the assistant or the store failing.
 */
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import {
  connectVisitor,
  type MinioServer,
  REPO_ROOT,
  type SimulatedVisitor,
  type Stack,
  startMinio,
  startStack,
} from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { type DecodedAudio, decodeRecording } from '../support/decoded-audio.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_recordings_test';
const CHUNK_SECONDS = 2;
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
    { transcriptOfUser: 'That helps a lot, thank you, goodbye.', text: 'You are welcome. Goodbye!' },
  ],
};
/** Speech, as decoded from Opus: well above its comfort noise and the silence between words. */
const SPEECH = 300;

interface RecordingInfo {
  status: string;
  durationMs: number | null;
  bytes: number | null;
  startedAt: string | null;
  error: string | null;
}
interface CallDetail {
  status: string;
  connectedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  recording: RecordingInfo | null;
  segments: { speaker: string; text: string; startedAt: string; offsetMs: number | null }[];
}

let minio: MinioServer;
let stack: Stack;

beforeAll(async () => {
  minio = await startMinio();
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'recordings'),
    script,
    siteOrigins: [TEST_ORIGIN],
    recording: { s3: { ...minio, bucket: 'voicedesk-e2e-recordings' } },
    env: {
      RECORDER_CHUNK_SECONDS: String(CHUNK_SECONDS),
      // Longer than the recorder's longest retry pause (5 s), shorter than the test's waits.
      RECORDING_STALL_SECONDS: '8',
      SWEEP_INTERVAL_MS: '500',
      AGENT_JOIN_TIMEOUT_SECONDS: '6',
      // A call whose assistant dropped waits this long for a new one before it fails.
      SETTLE_GRACE_SECONDS: '8',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await minio?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

async function startCall(): Promise<{ callId: string; visitor: SimulatedVisitor }> {
  const call = await mintCall(stack.apiUrl, stack.siteKey);
  const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
  return { callId: call.callId, visitor };
}

/** The call once its recording is closed (complete, partial or failed). */
async function closedRecording(callId: string, timeoutMs = 20_000): Promise<CallDetail> {
  return eventually(
    'the recording to be closed',
    async () => {
      const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
      return d.recording && d.recording.status !== 'active' ? d : undefined;
    },
    { timeoutMs },
  );
}

/**
 * The recording runs from the call's start to its end, each within a second: it starts with the
 * visitor's first audio (the call connects when they join) and ends when the call ends (here,
 * the hang-up, timed by the test's own clock; LiveKit stamps its events in whole seconds only).
 */
function expectCoversCall(detail: CallDetail, audio: DecodedAudio, endedAt: number, stampSlackMs = 0) {
  const origin = Date.parse(detail.recording?.startedAt as string);
  expect(Math.abs(origin - Date.parse(detail.connectedAt as string)), 'start').toBeLessThanOrEqual(1000);
  expect(Math.abs(origin + audio.seconds * 1000 - endedAt), 'end').toBeLessThanOrEqual(1000 + stampSlackMs);
}

/** Fetched the way the dashboard will: the link the API hands out, then the bytes behind it. */
async function playback(callId: string): Promise<DecodedAudio> {
  const link = await stack.admin<{ url: string }>(`/v1/calls/${callId}/recording`);
  const res = await fetch(link.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('audio/ogg');
  return decodeRecording(Buffer.from(await res.arrayBuffer()));
}

describe('call recordings', () => {
  it('holds both voices where they were said, lasts the call, and places every transcript line within 100 ms', async () => {
    const { callId, visitor } = await startCall();
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    const said = await visitor.say(fixture('visitor-1.wav'));
    const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
    const hungUpAt = Date.now();
    await visitor.hangUp();

    const detail = await closedRecording(callId);
    const rec = detail.recording as RecordingInfo;
    expect(rec.status).toBe('complete');
    const audio = await playback(callId);
    const origin = Date.parse(rec.startedAt as string);

    // As long as the call, and as long as the row says.
    expectCoversCall(detail, audio, hungUpAt);
    expect(Math.abs(audio.seconds * 1000 - (rec.durationMs ?? 0))).toBeLessThanOrEqual(100);
    // Under 1 MB per minute.
    expect((rec.bytes ?? Infinity) / (audio.seconds / 60)).toBeLessThan(1024 * 1024);

    // The visitor's words on the left while they spoke; the assistant's on the right.
    const visitorWindow = [said.startedAt - origin, said.endedAt - origin] as const;
    expect(audio.rms('left', ...visitorWindow)).toBeGreaterThan(SPEECH);
    expect(audio.rms('right', ...visitorWindow)).toBeLessThan(SPEECH / 3);
    const greetingWindow = [greeting.startedAt - origin, greeting.startedAt - origin + 1500] as const;
    expect(audio.rms('right', ...greetingWindow)).toBeGreaterThan(SPEECH);
    expect(audio.rms('left', ...greetingWindow)).toBeLessThan(SPEECH / 3);

    // Click a transcript line, hear that line: each offset is where its speech starts.
    expect(detail.segments.map((s) => s.speaker)).toEqual(['ai', 'visitor', 'ai']);
    for (const seg of detail.segments) {
      const offset = seg.offsetMs as number;
      const channel = seg.speaker === 'visitor' ? 'left' : 'right';
      const onset = audio.onset(channel, offset - 1500, offset + 1500, SPEECH);
      expect(onset, `${seg.speaker} "${seg.text}" at ${offset} ms`).not.toBeNull();
      console.log(`[recordings] ${seg.speaker} line at ${offset} ms, speech heard from ${onset} ms`);
      expect(Math.abs((onset as number) - offset), `${seg.speaker} "${seg.text}"`).toBeLessThanOrEqual(100);
    }
  });

  it('keeps the whole call when the store is down for a while mid-call', async () => {
    const { callId, visitor } = await startCall();
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    await minio.kill();
    const downAt = Date.now();
    const said = await visitor.say(fixture('visitor-1.wav'));
    const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
    // Several chunks' worth of outage (each a setting: chunks of 2 s here).
    await new Promise((r) => setTimeout(r, Math.max(0, 8_000 - (Date.now() - downAt))));
    await minio.start();
    const hungUpAt = Date.now();
    await visitor.hangUp();

    const detail = await closedRecording(callId, 30_000);
    const rec = detail.recording as RecordingInfo;
    expect(rec.status).toBe('complete');
    const audio = await playback(callId);
    expectCoversCall(detail, audio, hungUpAt);
    const origin = Date.parse(rec.startedAt as string);
    // What was said while the store was down is in it.
    expect(audio.rms('left', said.startedAt - origin, said.endedAt - origin)).toBeGreaterThan(SPEECH);
    expect(audio.rms('right', reply.startedAt - origin, reply.startedAt - origin + 1500)).toBeGreaterThan(
      SPEECH,
    );
  });

  it('keeps recording until the room closes when the assistant dies mid-call and no new one comes', async () => {
    try {
      const { callId, visitor } = await startCall();
      const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
      await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
      await stack.agent?.kill();
      // The call fails at the assistant's drop, but its room (and so the recording) stays open
      // while the API waits for a new assistant; it closes when none came.
      const cutOff = eventually(
        'the visitor to be cut off',
        async () => (visitor.isConnected() ? undefined : Date.now()),
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      const said = await visitor.say(fixture('visitor-2.wav'));

      const detail = await closedRecording(callId, 60_000);
      const cutAt = await cutOff;
      await visitor.hangUp();
      const rec = detail.recording as RecordingInfo;
      expect(rec.status).toBe('complete');
      expect([detail.status, detail.endReason]).toEqual(['failed', 'assistant_lost']);
      const audio = await playback(callId);
      const origin = Date.parse(rec.startedAt as string);
      expectCoversCall(detail, audio, cutAt);
      // The visitor, heard after the assistant was gone.
      expect(audio.rms('left', said.startedAt - origin, said.endedAt - origin)).toBeGreaterThan(SPEECH);
    } finally {
      await stack.startAgent();
    }
  });

  it('leaves a playable partial with all but the last chunk when the recorder dies mid-call', async () => {
    const { callId, visitor } = await startCall();
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    const said = await visitor.say(fixture('visitor-1.wav'));
    await stack.recorder?.kill();
    const killedAt = Date.now();
    await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.hangUp();

    const detail = await closedRecording(callId, 30_000);
    const rec = detail.recording as RecordingInfo;
    expect(rec.status).toBe('partial');
    const audio = await playback(callId);
    const origin = Date.parse(rec.startedAt as string);
    // Lost: at most the chunk that was still being recorded (plus the page in flight).
    expect(audio.seconds * 1000).toBeGreaterThanOrEqual(killedAt - origin - CHUNK_SECONDS * 1000 - 1000);
    expect(
      audio.rms('right', greeting.startedAt - origin, greeting.startedAt - origin + 1500),
    ).toBeGreaterThan(SPEECH);
    await stack.startRecorder();
  });
});
