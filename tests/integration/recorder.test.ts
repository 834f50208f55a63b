import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRecorderConfig } from '@voicedesk/config';
import {
  connectVisitor,
  type LivekitServer,
  type SimulatedVisitor,
  startLivekitServer,
} from '@voicedesk/testkit';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRecorderLogger } from '../../apps/agent/src/recorder/recorder-logger.ts';
import { type RunningRecorder, startRecorder } from '../../apps/agent/src/recorder/recorder-service.ts';
import { fixture } from '../support/fixtures.ts';
import { eventually } from '../support/poll.ts';
import { type ReceivedChunk, startRecordingApi } from '../support/recording-api.ts';

/**
 * The built-in recorder against a real livekit-server: two rtc-node participants (the visitor,
 * then the assistant, an AGENT-kind token) speak fixture WAVs; the recorder, started through its
 * own HTTP route, uploads chunks to a stand-in for our API's two recording routes; ffmpeg
 * decodes what it uploaded.
 */

const SERVICE_KEY = 'recorder-test-service-key-0123456789';
const CHUNK_SECONDS = 2;
const SAMPLE_RATE = 48_000;

let lk: LivekitServer;
let rooms: RoomServiceClient;
let api: Awaited<ReturnType<typeof startRecordingApi>>;
let recorder: RunningRecorder | undefined;
let spoolDir: string;
const logLines: string[] = [];
const participants: SimulatedVisitor[] = [];

beforeAll(async () => {
  lk = await startLivekitServer();
  rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
  api = await startRecordingApi(SERVICE_KEY);
});

afterAll(async () => {
  await api?.close();
  await lk?.stop();
});

afterEach(async () => {
  for (const p of participants.splice(0)) await p.hangUp().catch(() => {});
  await recorder?.close(2_000);
  recorder = undefined;
  rmSync(spoolDir, { recursive: true, force: true });
  api.answer = () => ({ status: 200 });
  // Whatever happened, no log line carries a token or the service key.
  const log = logLines.splice(0).join('\n');
  expect(log).not.toContain(SERVICE_KEY);
  expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
});

/** A recorder process's worth of recorder, on a fresh spool directory unless it reuses the last one. */
async function startTestRecorder(reuseSpool = false): Promise<RunningRecorder> {
  if (!reuseSpool) spoolDir = mkdtempSync(join(tmpdir(), 'recorder-it-'));
  const config = loadRecorderConfig({
    API_URL: api.url,
    INTERNAL_SERVICE_KEY: SERVICE_KEY,
    RECORDER_PORT: '0',
    RECORDER_CHUNK_SECONDS: String(CHUNK_SECONDS),
    RECORDER_SPOOL_DIR: spoolDir,
    RECORDER_IDLE_SECONDS: '3',
    LOG_LEVEL: 'debug',
  });
  const logger = createRecorderLogger('debug', { write: (line: string) => logLines.push(line) });
  recorder = await startRecorder(config, logger, { session: { maxBackoffMs: 300 } });
  return recorder;
}

async function token(identity: string, room: string, grants: object = {}, kind?: 'agent'): Promise<string> {
  const at = new AccessToken(lk.apiKey, lk.apiSecret, { identity, ttl: '10m' });
  if (kind) at.kind = kind;
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, ...grants });
  return at.toJwt();
}

/** A call's room with the recorder in it, as the API would set it up. */
async function recordedCall() {
  const callId = randomUUID();
  const roomName = `call-${callId}`;
  await rooms.createRoom({ name: roomName, emptyTimeout: 60 });
  const running = recorder ?? (await startTestRecorder());
  const recorderToken = await token(`recorder-${callId}`, roomName, {
    hidden: true,
    canPublish: false,
    canPublishData: false,
    canSubscribe: true,
  });
  const start = () =>
    fetch(`${running.url}/recordings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ callId, roomName, livekitUrl: lk.url, token: recorderToken }),
    });
  const res = await start();
  expect(res.status).toBe(202);
  await eventually('the recorder in the room', async () =>
    logLines.some((l) => l.includes('recorder joined the room') && l.includes(callId)) ? true : undefined,
  );
  // Idempotent: a second request while it records changes nothing.
  expect((await start()).status).toBe(202);
  expect(running.recorder.recordings).toBe(1);

  const join = async (identity: string, kind?: 'agent') => {
    const p = await connectVisitor({ url: lk.url, token: await token(identity, roomName, {}, kind) });
    participants.push(p);
    return p;
  };
  return {
    callId,
    roomName,
    running,
    visitor: () => join(`visitor-${callId}`),
    assistant: () => join(`agent-AJ_${randomUUID().slice(0, 8)}`, 'agent'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chunksOf(callId: string): ReceivedChunk[] {
  return api.chunks.filter((c) => c.callId === callId);
}

function finishOf(callId: string) {
  return eventually('the finish', async () => api.finishes.find((f) => f.callId === callId)?.body, {
    timeoutMs: 30_000,
  });
}

/** The uploaded file through ffprobe and ffmpeg: its stream and its PCM, two channels. */
function decode(file: Buffer) {
  const path = join(spoolDir, `joined-${randomUUID().slice(0, 8)}.ogg`);
  writeFileSync(path, file);
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path], { encoding: 'utf8' }),
  ) as { streams: { codec_name: string; channels: number; sample_rate: string }[] };
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 's16le', '-ac', '2', '-'], {
    maxBuffer: 1 << 28,
  });
  const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
  rmSync(path);
  return { stream: probe.streams[0], pcm, seconds: pcm.length / 2 / SAMPLE_RATE };
}

function rms(pcm: Int16Array, channel: 0 | 1, fromSec: number, toSec: number): number {
  const from = Math.max(0, Math.round(fromSec * SAMPLE_RATE));
  const to = Math.min(pcm.length / 2, Math.round(toSec * SAMPLE_RATE));
  let sum = 0;
  for (let i = from; i < to; i++) sum += (pcm[i * 2 + channel] ?? 0) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

/** Where speech starts on a channel after `fromSec`: the first 20 ms louder than `level`. */
function onset(pcm: Int16Array, channel: 0 | 1, fromSec: number, level = 300): number {
  const frame = SAMPLE_RATE / 50;
  for (let at = Math.round(fromSec * SAMPLE_RATE); at + frame <= pcm.length / 2; at += frame) {
    if (rms(pcm, channel, at / SAMPLE_RATE, (at + frame) / SAMPLE_RATE) > level) return at / SAMPLE_RATE;
  }
  return Number.POSITIVE_INFINITY;
}

function expectWholeAndInOrder(
  chunks: ReceivedChunk[],
  finish: { chunks: number; bytes: number; durationMs: number },
) {
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
  expect(finish.chunks).toBe(chunks.length);
  expect(finish.bytes).toBe(chunks.reduce((sum, c) => sum + c.bytes.length, 0));
  expect(finish.durationMs).toBe(chunks.at(-1)?.durationMs);
  let before = 0;
  for (const chunk of chunks) {
    expect(chunk.bytes.subarray(0, 4).toString('ascii')).toBe('OggS');
    expect(chunk.durationMs - before).toBeLessThanOrEqual(CHUNK_SECONDS * 1000);
    before = chunk.durationMs;
  }
}

describe('the built-in recorder', () => {
  it('records the visitor left and the assistant right, in order, until the room is deleted', async () => {
    const call = await recordedCall();
    const visitor = await call.visitor();
    await sleep(500);
    const visitorSaid = await visitor.say(fixture('visitor-1.wav'));
    const assistant = await call.assistant();
    await sleep(800);
    const assistantSaid = await assistant.say(fixture('ai-reply-2.wav'));
    await sleep(700);
    // The API deletes the room when the call ends.
    const endedAt = Date.now();
    await rooms.deleteRoom(call.roomName);

    const finish = await finishOf(call.callId);
    const chunks = chunksOf(call.callId);
    expect(api.contractErrors).toEqual([]);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    expectWholeAndInOrder(chunks, finish);
    const startedAt = Date.parse(finish.startedAt ?? '');
    for (const chunk of chunks) expect(chunk.startedAt).toBe(finish.startedAt);

    const { stream, pcm, seconds } = decode(Buffer.concat(chunks.map((c) => c.bytes)));
    expect(stream).toMatchObject({ codec_name: 'opus', channels: 2, sample_rate: '48000' });
    expect(Math.abs(seconds * 1000 - finish.durationMs)).toBeLessThan(25);
    expect(Math.abs(seconds * 1000 - (endedAt - startedAt))).toBeLessThan(1_000);

    const at = (ms: number) => (ms - startedAt) / 1000;
    const visitorWindow = [at(visitorSaid.startedAt) + 0.2, at(visitorSaid.endedAt) - 0.2] as const;
    const assistantWindow = [at(assistantSaid.startedAt) + 0.2, at(assistantSaid.endedAt) - 0.2] as const;
    const visitorLeft = rms(pcm, 0, ...visitorWindow);
    const visitorRight = rms(pcm, 1, ...visitorWindow);
    const assistantLeft = rms(pcm, 0, ...assistantWindow);
    const assistantRight = rms(pcm, 1, ...assistantWindow);
    expect(visitorLeft).toBeGreaterThan(300);
    expect(visitorRight).toBeLessThan(visitorLeft / 20);
    expect(assistantRight).toBeGreaterThan(300);
    expect(assistantLeft).toBeLessThan(assistantRight / 20);
    // Each side starts where it was heard: the assistant, who joined late, too (one network hop).
    expect(onset(pcm, 0, 0) - at(visitorSaid.startedAt)).toBeGreaterThan(-0.05);
    expect(onset(pcm, 0, 0) - at(visitorSaid.startedAt)).toBeLessThan(0.5);
    expect(onset(pcm, 1, 0) - at(assistantSaid.startedAt)).toBeGreaterThan(-0.05);
    expect(onset(pcm, 1, 0) - at(assistantSaid.startedAt)).toBeLessThan(0.5);
    await eventually('the session gone', async () =>
      call.running.recorder.recordings === 0 ? true : undefined,
    );
  });

  it('spools while the API answers 503, then delivers every chunk in order; the file is whole', async () => {
    let outage = true;
    api.answer = () => (outage ? { status: 503 } : { status: 200 });
    const call = await recordedCall();
    const visitor = await call.visitor();
    const assistant = await call.assistant();
    const said = visitor.say(fixture('visitor-2.wav'));
    // Chunks pile up on disk, owner-only, while the API is away.
    const spooled = await eventually(
      'spooled chunks',
      async () => {
        const files = readdirSync(spoolDir, { recursive: true, withFileTypes: true }).filter(
          (f) => f.isFile() && f.name.startsWith('chunk-'),
        );
        return files.length >= 2 ? files.map((f) => join(f.parentPath, f.name)) : undefined;
      },
      { timeoutMs: 15_000 },
    );
    for (const file of spooled) if (existsSync(file)) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(chunksOf(call.callId)).toEqual([]);
    await said;
    outage = false;
    await assistant.say(fixture('ai-reply-2.wav'));
    // Everybody leaves; the room stays: the recorder ends after RECORDER_IDLE_SECONDS alone.
    const leftAt = Date.now();
    for (const p of participants.splice(0)) await p.hangUp();

    const finish = await finishOf(call.callId);
    const chunks = chunksOf(call.callId);
    expect(api.attempts.some((a) => a.status === 503)).toBe(true);
    expect(api.contractErrors).toEqual([]);
    expectWholeAndInOrder(chunks, finish);
    const { seconds } = decode(Buffer.concat(chunks.map((c) => c.bytes)));
    expect(Math.abs(seconds * 1000 - finish.durationMs)).toBeLessThan(25);
    expect(Math.abs(seconds * 1000 - (leftAt - Date.parse(finish.startedAt ?? '')))).toBeLessThan(1_000);
    // Nothing is owed any more: the spool is empty.
    expect(readdirSync(spoolDir).filter((name) => name.startsWith(call.callId))).toEqual([]);
  });

  it('stops recording the call on 409 recording_closed and drops its spool', async () => {
    api.answer = (route, seq) =>
      route === 'chunk' && (seq ?? 0) >= 1 ? { status: 409, code: 'recording_closed' } : { status: 200 };
    const call = await recordedCall();
    const visitor = await call.visitor();
    void visitor.say(fixture('visitor-1.wav'));

    await eventually(
      'the refusal',
      async () => (api.attempts.some((a) => a.status === 409) ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    await eventually('the session gone', async () =>
      call.running.recorder.recordings === 0 ? true : undefined,
    );
    const attempts = api.attempts.length;
    await sleep(2 * CHUNK_SECONDS * 1000);
    expect(api.attempts.length).toBe(attempts);
    expect(api.finishes.filter((f) => f.callId === call.callId)).toEqual([]);
    expect(chunksOf(call.callId).map((c) => c.seq)).toEqual([0]);
    expect(readdirSync(spoolDir).filter((name) => name.startsWith(call.callId))).toEqual([]);
  });

  it('on shutdown finishes every recording before it returns', async () => {
    const call = await recordedCall();
    const visitor = await call.visitor();
    await visitor.say(fixture('visitor-2.wav'));

    await call.running.close(8_000);
    recorder = undefined;
    const finish = api.finishes.find((f) => f.callId === call.callId)?.body;
    expect(finish).toBeDefined();
    const chunks = chunksOf(call.callId);
    expectWholeAndInOrder(chunks, finish ?? { chunks: -1, bytes: -1, durationMs: -1 });
    const { seconds } = decode(Buffer.concat(chunks.map((c) => c.bytes)));
    expect(Math.abs(seconds * 1000 - (finish?.durationMs ?? 0))).toBeLessThan(25);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('leaves what the API did not take by the shutdown deadline in the spool; the next start sends it', async () => {
    api.answer = () => ({ status: 503 });
    const call = await recordedCall();
    const visitor = await call.visitor();
    await visitor.say(fixture('visitor-1.wav'));

    await call.running.close(1_000);
    recorder = undefined;
    const [left] = readdirSync(spoolDir);
    expect(left).toMatch(new RegExp(`^${call.callId}\\.\\d+\\.[a-f0-9]{8}$`));
    const files = readdirSync(join(spoolDir, left ?? ''));
    expect(files).toContain('progress.json');
    expect(files.filter((f) => f.startsWith('chunk-')).length).toBeGreaterThanOrEqual(2);
    expect(api.finishes.filter((f) => f.callId === call.callId)).toEqual([]);

    // The API is back and the recorder restarts on the same spool.
    api.answer = () => ({ status: 200 });
    const restarted = await startTestRecorder(true);
    await restarted.replayed;
    const finish = await finishOf(call.callId);
    const chunks = chunksOf(call.callId);
    // A request cut off at the deadline may still have reached the API: sent again, it is the same.
    expect(api.contractErrors).toEqual([]);
    expectWholeAndInOrder(chunks, finish);
    const { seconds } = decode(Buffer.concat(chunks.map((c) => c.bytes)));
    expect(Math.abs(seconds * 1000 - finish.durationMs)).toBeLessThan(25);
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
