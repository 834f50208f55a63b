import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import {
  callbackScript,
  connectVisitor,
  escalationScript,
  type LivekitServer,
  type ManagedChild,
  type ModelDouble,
  REPO_ROOT,
  rms,
  type SimulatedVisitor,
  startLivekitServer,
  startModelDouble,
} from '@voicedesk/testkit';
import { AccessToken, AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgentWorker } from '../support/agent-worker.ts';
import { fixture } from '../support/fixtures.ts';
import { eventually } from '../support/poll.ts';

/**
 * The worker's half of issue 14 on real parts: livekit-server, the model double and the real
 * worker (`apps/agent/src/main.ts start`, its job process included), against a stand-in for the
 * API's internal routes that records what the worker sends. The test plays the API's part in the
 * room: it writes the room metadata (RoomService, as the API does on each phase step) and joins a
 * staff member (`staff-<uuid>`) who speaks a WAV.
 */

const SERVICE_KEY = 'escalation-worker-test-key-0123456789';
const AGENT_NAME = `escalation-it-${randomUUID().slice(0, 8)}`;
const AGENT_KIND = 4;

type Segment = { seq: number; speaker: string; text: string };
type Posted = { callId: string; route: string; body: Record<string, unknown> };

/** What the API's /internal routes got, and how the escalation route answers. */
class StandInApi {
  server: Server;
  url = '';
  posted: Posted[] = [];
  escalationStatus: 'ringing' | 'unanswered' = 'ringing';
  readonly escalationIds = new Map<string, string>();

  constructor(private readonly rooms: () => RoomServiceClient) {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body }) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.headers.authorization !== `Bearer ${SERVICE_KEY}`) return { status: 401, body: {} };
    const match = /^\/internal\/calls\/([^/]+)\/([a-z-]+)$/.exec(req.url ?? '');
    if (!match?.[1] || !match[2]) return { status: 404, body: {} };
    const [callId, route] = [match[1], match[2]];
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    this.posted.push({ callId, route, body });
    switch (route) {
      case 'assistant':
        return {
          status: 200,
          body: {
            callId,
            siteId: randomUUID(),
            instructions: 'Help with the website.',
            greeting: '',
            voice: 'alloy',
            language: 'en',
            model: null,
            maxCallSeconds: 600,
            idleSeconds: 300,
            callerName: null,
            seqBase: 0,
            resumed: false,
            history: [],
          },
        };
      case 'escalations': {
        const escalationId = this.escalationIds.get(callId) ?? randomUUID();
        this.escalationIds.set(callId, escalationId);
        return {
          status: 200,
          body: {
            escalationId,
            status: this.escalationStatus,
            availableStaff: this.escalationStatus === 'ringing' ? 1 : 0,
          },
        };
      }
      case 'callback-requests':
        return { status: 201, body: { id: randomUUID() } };
      case 'end':
        // As the API: the reason is recorded and the room deleted, which ends everyone's session.
        await this.rooms()
          .deleteRoom(`call-${callId}`)
          .catch(() => {});
        return { status: 200, body: { status: 'completed' } };
      default:
        return { status: 200, body: {} };
    }
  }

  segments(callId: string): Segment[] {
    return this.posted
      .filter((p) => p.callId === callId && p.route === 'segments')
      .flatMap((p) => p.body.segments as Segment[])
      .sort((a, b) => a.seq - b.seq);
  }

  bodies(callId: string, route: string): Record<string, unknown>[] {
    return this.posted.filter((p) => p.callId === callId && p.route === route).map((p) => p.body);
  }
}

/** A hidden listener that hears only the assistant's audio, with when each frame arrived. */
async function listenToAssistant(url: string, token: string) {
  const room = new Room();
  const frames: { at: number; rms: number }[] = [];
  room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub: unknown, participant: RemoteParticipant) => {
    if (track.kind !== TrackKind.KIND_AUDIO || Number(participant.kind) !== AGENT_KIND) return;
    void (async () => {
      try {
        const reader = new AudioStream(track, { sampleRate: 48_000, numChannels: 1 }).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          frames.push({ at: Date.now(), rms: rms(value.data) });
        }
      } catch {
        // the room went away
      }
    })();
  });
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  return {
    /** Milliseconds of assistant speech heard after `since`. */
    speechMs: (since: number) => frames.filter((f) => f.at >= since && f.rms > 300).length * 10,
    close: () => room.disconnect(),
  };
}

let lk: LivekitServer;
let rooms: RoomServiceClient;
let double: ModelDouble;
let api: StandInApi;
let worker: ManagedChild;
let spoolDir: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  lk = await startLivekitServer();
  rooms = new RoomServiceClient(lk.httpUrl, lk.apiKey, lk.apiSecret);
  double = await startModelDouble({ script: escalationScript });
  api = new StandInApi(() => rooms);
  await api.listen();
  spoolDir = mkdtempSync(join(tmpdir(), 'escalation-it-'));
  worker = await startAgentWorker({
    name: 'agent',
    livekit: lk,
    logFile: join(REPO_ROOT, 'test-artifacts/logs/escalation-worker-agent.log'),
    env: {
      API_URL: api.url,
      INTERNAL_SERVICE_KEY: SERVICE_KEY,
      AGENT_NAME,
      OPENAI_BASE_URL: double.url,
      AGENT_SPOOL_DIR: spoolDir,
    },
    readyTimeoutMs: 80_000,
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGTERM', 5_000);
  await lk?.stop();
  await double?.close();
  await new Promise((resolve) => api?.server.close(resolve));
  rmSync(spoolDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {});
});

async function token(identity: string, room: string, grants: object = {}): Promise<string> {
  const at = new AccessToken(lk.apiKey, lk.apiSecret, { identity, ttl: '10m' });
  at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, ...grants });
  return at.toJwt();
}

/** A call as the API sets it up: its room, the assistant dispatched, the visitor in and greeted. */
async function startCall() {
  const callId = randomUUID();
  const roomName = `call-${callId}`;
  await rooms.createRoom({ name: roomName, emptyTimeout: 60 });
  cleanups.push(() => rooms.deleteRoom(roomName));
  await new AgentDispatchClient(lk.httpUrl, lk.apiKey, lk.apiSecret).createDispatch(roomName, AGENT_NAME, {
    metadata: JSON.stringify({ callId }),
  });
  const listener = await listenToAssistant(
    lk.url,
    await token(`listener-${callId}`, roomName, { hidden: true, canPublish: false }),
  );
  cleanups.push(() => listener.close());
  const visitor = await connectVisitor({ url: lk.url, token: await token(`visitor-${callId}`, roomName) });
  cleanups.push(() => visitor.hangUp());
  const greeting = await visitor.waitForSpeech({ timeoutMs: 30_000 });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
  const setPhase = (state: object) => rooms.updateRoomMetadata(roomName, JSON.stringify(state));
  return { callId, roomName, visitor, listener, setPhase };
}

/** The visitor asks for a person; the worker's transfer_to_human reaches the API with its reason. */
async function askForPerson(call: Awaited<ReturnType<typeof startCall>>): Promise<string> {
  const asked = await call.visitor.say(fixture('visitor-1.wav'));
  const escalation = await eventually(
    'the escalation request',
    async () => api.bodies(call.callId, 'escalations')[0],
  );
  expect(escalation).toEqual({ reason: 'The caller asked to talk to a person.' });
  // The tool's follow-up ("I'm finding someone…") is said.
  const reply = await call.visitor.waitForSpeech({ after: asked.endedAt, timeoutMs: 20_000 });
  await call.visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
  const escalationId = api.escalationIds.get(call.callId);
  if (!escalationId) throw new Error('no escalation id');
  return escalationId;
}

async function staffJoins(roomName: string): Promise<{ staff: SimulatedVisitor; staffUserId: string }> {
  const staffUserId = randomUUID();
  const staff = await connectVisitor({ url: lk.url, token: await token(`staff-${staffUserId}`, roomName) });
  cleanups.push(() => staff.hangUp());
  return { staff, staffUserId };
}

describe('the worker in a hand-off to staff', () => {
  it('asks for a person, goes quiet while staff hold the call, transcribes both, and comes back when handed back', async () => {
    double.setScript({
      ...escalationScript,
      streamTranscripts: ['Hello, this is Ana from the support team.', 'My order has not arrived.'],
    });
    const call = await startCall();
    const escalationId = await askForPerson(call);
    await call.setPhase({ phase: 'waiting_human', escalationId });

    await call.setPhase({ phase: 'human', escalationId, staffName: 'Ana' });
    const quietFrom = Date.now();
    const responses = double.stats.responses;
    const { staff, staffUserId } = await staffJoins(call.roomName);
    // Both hear each other, and the worker transcribes both (one stream each), before anyone speaks.
    await eventually('the visitor hearing the staff member', async () =>
      [
        ...(call.visitor.room.remoteParticipants.get(`staff-${staffUserId}`)?.trackPublications.values() ??
          []),
      ].some((p) => p.track)
        ? true
        : undefined,
    );
    await eventually('two transcription streams', async () =>
      double.transcriptionSessions.length >= 2 ? true : undefined,
    );
    // Staff speak, then the visitor answers them: neither reaches the model.
    const staffSaid = await staff.say(fixture('visitor-2.wav'));
    // The visitor hears the staff member (frames of both remote tracks interleave, so counted).
    await eventually('the visitor hearing staff speech', async () =>
      call.visitor.heardFrames().filter((f) => f.at >= staffSaid.startedAt && f.rms > 300).length > 50
        ? true
        : undefined,
    );
    await eventually('the staff line', async () =>
      api.segments(call.callId).find((s) => s.speaker === `staff:${staffUserId}`),
    );
    await call.visitor.say(fixture('visitor-2.wav'));
    await eventually('the visitor line said to staff', async () =>
      api.segments(call.callId).find((s) => s.text === 'My order has not arrived.'),
    );
    // Time for a reply to have started, were one coming.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(double.stats.responses).toBe(responses);
    expect(call.listener.speechMs(quietFrom)).toBe(0);

    await call.setPhase({ phase: 'ai', escalationId, outcome: 'staff' });
    const backFrom = Date.now();
    await staff.hangUp();
    await eventually(
      'the assistant speaking again',
      async () => (call.listener.speechMs(backFrom) > 500 ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    const back = await eventually('the "back" line', async () =>
      api.segments(call.callId).find((s) => s.speaker === 'ai' && s.text.startsWith("I'm back with you")),
    );
    expect(double.stats.responses).toBeGreaterThan(responses);

    // Who said what, in spoken order, with speakers.
    const lines = api.segments(call.callId).map((s) => [s.speaker, s.text]);
    expect(lines).toEqual([
      ['ai', escalationScript.greeting.text],
      ['visitor', 'Can I talk to a person, please?'],
      ['ai', escalationScript.turns[0]?.afterTool],
      [`staff:${staffUserId}`, 'Hello, this is Ana from the support team.'],
      ['visitor', 'My order has not arrived.'],
      ['ai', back.text],
    ]);
  }, 120_000);

  it('leaves the call to staff when its voice model gives up while they hold it, without ending it', async () => {
    double.setScript({
      ...escalationScript,
      streamTranscripts: ['Hello, this is Ana from the support team.'],
    });
    const call = await startCall();
    const escalationId = await askForPerson(call);
    await call.setPhase({ phase: 'waiting_human', escalationId });
    await call.setPhase({ phase: 'human', escalationId, staffName: 'Ana' });
    const { staff, staffUserId } = await staffJoins(call.roomName);
    const assistants = async () =>
      (await rooms.listParticipants(call.roomName)).filter((p) => Number(p.kind) === AGENT_KIND);
    expect(await assistants()).toHaveLength(1);

    // The account runs out of credit: the realtime session is given up, not retried.
    expect(double.failRealtimeSessions()).toBeGreaterThan(0);
    await eventually('the assistant leaving the room', async () =>
      (await assistants()).length === 0 ? true : undefined,
    );
    // It left the call to the people in it: no end asked of the API (rule 7 of the lifecycle
    // keeps such a call, and the API sends another assistant), and the room is still theirs.
    expect(api.bodies(call.callId, 'end')).toEqual([]);
    const left = (await rooms.listParticipants(call.roomName)).map((p) => p.identity);
    expect(left).toEqual(expect.arrayContaining([`staff-${staffUserId}`, `visitor-${call.callId}`]));
    const said = await staff.say(fixture('visitor-2.wav'));
    await eventually('the visitor hearing staff after the assistant left', async () =>
      call.visitor.heardFrames().filter((f) => f.at >= said.startedAt && f.rms > 300).length > 50
        ? true
        : undefined,
    );
  }, 120_000);

  it('offers a callback when nobody takes the call, stores the request and ends the call as callback_requested', async () => {
    double.setScript(callbackScript);
    const call = await startCall();
    const escalationId = await askForPerson(call);
    await call.setPhase({ phase: 'waiting_human', escalationId });
    const missedAt = Date.now();
    await call.setPhase({ phase: 'ai', escalationId, outcome: 'expired' });
    // The offer ("…would you like someone to call you back?").
    const offer = await call.visitor.waitForSpeech({ after: missedAt, timeoutMs: 20_000 });
    await call.visitor.waitForSilence({ after: offer.startedAt, timeoutMs: 20_000 });
    await call.visitor.say(fixture('visitor-2.wav'));

    const request = await eventually(
      'the callback request',
      async () => api.bodies(call.callId, 'callback-requests')[0],
    );
    expect(request).toEqual({ name: 'Sam', contact: '555 0100', reason: 'A question about an invoice.' });
    const end = await eventually('the end of the call', async () => api.bodies(call.callId, 'end')[0], {
      timeoutMs: 30_000,
    });
    expect(end).toEqual({ reason: 'callback_requested' });
    const said = api
      .segments(call.callId)
      .filter((s) => s.speaker === 'ai')
      .map((s) => s.text);
    expect(said).toContain(callbackScript.asked?.[0]?.text);
    expect(said.at(-1)).toBe(callbackScript.turns[1]?.afterTool);
    // The worker's log holds none of the visitor's details.
    const log = await import('node:fs').then((fs) =>
      fs.readFileSync(join(REPO_ROOT, 'test-artifacts/logs/escalation-worker-agent.log'), 'utf8'),
    );
    expect(log).not.toContain('555 0100');
    expect(log).not.toContain(SERVICE_KEY);
  }, 120_000);
});
