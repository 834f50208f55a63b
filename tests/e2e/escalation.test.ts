/**
 * Issue 14 end to end: a visitor (rtc-node) asks the real worker for a person; a staff member
 * signed in to the dashboard in real Chromium, with a fake microphone, gets the offer, accepts
 * it and talks; the assistant goes quiet but the transcript and the recording keep every voice;
 * the staff member hands the call back, or leaves, and the assistant takes over again.
 */
import { join } from 'node:path';
import { parseRoomState } from '@voicedesk/core';
import {
  type DatabaseHandle,
  dropTestDatabase,
  openDatabase,
  recreateTestDatabase,
  sites,
  staffUsers,
} from '@voicedesk/db';
import {
  callbackScript,
  connectVisitor,
  escalationScript,
  REPO_ROOT,
  type SimulatedVisitor,
  type Stack,
  startStack,
} from '@voicedesk/testkit';
import { fakeMicrophoneWav, launchChromium } from '@voicedesk/testkit/browser';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff } from '../../apps/api/src/testing/staff-fixtures.ts';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { decodeRecording } from '../support/decoded-audio.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_escalation_test';
const WAIT_MS = 20_000;
/** Speech as heard over WebRTC or decoded from the recording: well above comfort noise. */
const SPEECH = 300;
const STAFF_LINE = 'Hello, this is Ana from the support team. How can I help?';
const VISITOR_TO_STAFF = 'I still cannot get into my account.';
const script = {
  ...escalationScript,
  // The double answers its transcription streams in the order their utterances end, whoever
  // spoke: which of the two gets which line depends on timing, so the test checks speakers.
  streamTranscripts: [STAFF_LINE, VISITOR_TO_STAFF],
};

interface Segment {
  speaker: string;
  text: string;
  startedAt: string;
  offsetMs: number | null;
}
interface CallDetail {
  status: string;
  endReason: string | null;
  phase?: string;
  recording: { status: string; startedAt: string | null } | null;
  segments: Segment[];
  participants: { kind: string; leftAt: string | null }[];
}

let stack: Stack;
let db: DatabaseHandle;
let browser: Browser;
let staffContext: BrowserContext;
let page: Page;
let staffId: string;

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    dataDir: join(REPO_ROOT, '.tmp', 'e2e-escalation'),
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'escalation'),
    script,
    siteOrigins: [TEST_ORIGIN],
    recording: {},
    env: {
      SWEEP_INTERVAL_MS: '500',
      STAFF_REJOIN_GRACE_SECONDS: '2',
      RECORDER_IDLE_SECONDS: '3',
    },
  });
  db = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 2 });
  const staff = await addStaff(db.db, { email: 'ana@example.test', role: 'admin' });
  staffId = staff.id;
  await db.db.update(staffUsers).set({ name: 'Ana Lopez' }).where(eq(staffUsers.id, staff.id));

  // The staff member's microphone: a second of silence, then their line, on a loop.
  browser = await launchChromium({ wav: fakeMicrophoneWav(fixture('staff-1.wav'), 1) });
  staffContext = await browser.newContext({ baseURL: stack.apiUrl });
  staffContext.setDefaultTimeout(WAIT_MS);
  await staffContext.addCookies([{ name: 'vd_session', value: staff.token, url: stack.apiUrl }]);
  page = await staffContext.newPage();
  await page.goto('/app/calls');
  await setAvailable(true);
}, 180_000);

/** The staff member's switch in the page, as they would flip it. */
async function setAvailable(on: boolean): Promise<void> {
  // The switch is disabled while it loads or saves: read it, and leave it, only when settled.
  const settled = (checked?: boolean) =>
    page
      .locator(`[role="switch"]:not([disabled])${checked === undefined ? '' : `[aria-checked="${checked}"]`}`)
      .waitFor();
  await settled();
  const available = page.getByRole('switch', { name: 'Available for calls' });
  if ((await available.getAttribute('aria-checked')) !== String(on)) await available.click();
  await settled(on);
}

interface CallbackItem {
  callId: string;
  name: string;
  contact: string;
  status: string;
}

/**
 * Nobody takes the call: the assistant offers a callback, the visitor gives their details, the
 * request is stored for staff and the call ends `callback_requested`.
 */
async function expectCallbackEnding(callId: string, visitor: SimulatedVisitor): Promise<void> {
  await expect
    .poll(() => parseRoomState(visitor.room.metadata), { timeout: WAIT_MS })
    .toMatchObject({ phase: 'ai' });
  await visitor.waitForSilence({ silenceMs: 1500, timeoutMs: WAIT_MS });
  await visitor.say(fixture('visitor-2.wav'));
  const done = await ended(callId);
  expect([done.status, done.endReason]).toEqual(['completed', 'callback_requested']);
  const { items } = await stack.admin<{ items: CallbackItem[] }>('/v1/callback-requests');
  const stored = items.find((i) => i.callId === callId);
  const asked = callbackScript.turns[1]?.toolCall?.arguments;
  expect(stored).toMatchObject({ name: asked?.name, contact: asked?.contact, status: 'open' });
  await visitor.hangUp();
}

afterAll(async () => {
  await browser?.close();
  await db?.close();
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

async function startCall(): Promise<{ callId: string; visitor: SimulatedVisitor }> {
  const call = await mintCall(stack.apiUrl, stack.siteKey);
  const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: WAIT_MS });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: WAIT_MS });
  return { callId: call.callId, visitor };
}

/** The call once its end is decided (status and reason). */
function ended(callId: string, wait: { timeoutMs: number; intervalMs?: number } = { timeoutMs: WAIT_MS }) {
  return eventually(
    'the call to end',
    async () => {
      const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
      return d.endReason ? d : undefined;
    },
    wait,
  );
}

/** The visitor asks for a person; the offer rings in the staff member's page; they accept. */
async function askAndAccept(visitor: SimulatedVisitor): Promise<number> {
  await visitor.say(fixture('visitor-human.wav'));
  const offer = page.getByRole('region', { name: 'Incoming call' });
  await offer.getByText(escalationScript.turns[0]?.toolCall?.arguments.reason as string).waitFor();
  await expect
    .poll(() => parseRoomState(visitor.room.metadata).phase, { timeout: WAIT_MS })
    .toBe('waiting_human');
  const acceptedAt = Date.now();
  await offer.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('button', { name: 'Hand back to assistant' }).waitFor();
  return acceptedAt;
}

function agentIdentity(visitor: SimulatedVisitor): string {
  const agent = visitor.remoteParticipants().find((p) => p.kind === 4);
  if (!agent) throw new Error('no assistant in the room');
  return agent.identity;
}

describe('a live call handed from the assistant to staff and back', () => {
  it('lets staff accept in the browser and talk while the assistant stays quiet, and keeps every voice', async () => {
    const { callId, visitor } = await startCall();
    const acceptedAt = await askAndAccept(visitor);

    // The visitor hears the staff member, and the room tells the widget who that is.
    const heard = await visitor.waitForSpeech({ from: 'staff-', after: acceptedAt, timeoutMs: WAIT_MS });
    expect(heard.startedAt).toBeGreaterThan(acceptedAt);
    await expect
      .poll(() => parseRoomState(visitor.room.metadata), { timeout: WAIT_MS })
      .toMatchObject({
        phase: 'human',
        staffName: 'Ana',
      });

    // The visitor speaks to staff: the assistant does not answer, and says nothing at all.
    const assistant = agentIdentity(visitor);
    const quietFrom = heard.startedAt;
    const said = await visitor.say(fixture('visitor-1.wav'));
    const transcribed = await eventually(
      'staff and visitor lines of the human part in the transcript',
      async () => {
        const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
        const staffLines = d.segments.filter((s) => s.speaker === `staff:${staffId}`);
        const visitorAfter = d.segments.filter(
          (s) => s.speaker === 'visitor' && Date.parse(s.startedAt) >= quietFrom - 1000,
        );
        return staffLines.length > 0 && visitorAfter.length > 0 ? d : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    // Each staff line is one of the double's transcription answers, never the assistant's words.
    const streamed = new Set<string>(script.streamTranscripts);
    for (const line of transcribed.segments.filter((s) => s.speaker === `staff:${staffId}`)) {
      expect(streamed.has(line.text) || /^staff utterance \d+$/.test(line.text), line.text).toBe(true);
    }
    await visitor.waitForSilence({ after: said.endedAt, silenceMs: 1500, timeoutMs: WAIT_MS });
    const quietUntil = Date.now();
    const assistantSpoke = visitor
      .speechSegments(SPEECH, assistant)
      .filter((s) => s.end >= quietFrom && s.start <= quietUntil);
    expect(assistantSpoke, 'assistant audio while staff held the call').toEqual([]);

    // Staff hand the call back: the assistant says so, in its own voice.
    const handedBackAt = Date.now();
    await page.getByRole('button', { name: 'Hand back to assistant' }).click();
    await visitor.waitForSpeech({ from: assistant, after: handedBackAt, timeoutMs: WAIT_MS });
    await expect.poll(() => parseRoomState(visitor.room.metadata).phase, { timeout: WAIT_MS }).toBe('ai');
    const back = escalationScript.asked?.[0]?.text as string;
    await eventually(
      'the assistant saying it is back',
      async () => {
        const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
        return d.segments.some((s) => s.speaker === 'ai' && s.text === back) ? true : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    await visitor.hangUp();

    const detail = await eventually(
      'the call to end with a closed recording',
      async () => {
        const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
        return d.status === 'completed' && d.recording && d.recording.status !== 'active' ? d : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    expect(detail.endReason).toBe('visitor_hung_up');
    expect(detail.recording?.status).toBe('complete');

    // Visitor, assistant and staff lines, in the order they were said, each with its speaker.
    const speakers = detail.segments.map((s) => s.speaker);
    expect(speakers).toContain('visitor');
    expect(speakers).toContain('ai');
    expect(speakers).toContain(`staff:${staffId}`);
    const starts = detail.segments.map((s) => Date.parse(s.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const firstStaff = speakers.indexOf(`staff:${staffId}`);
    expect(speakers.slice(0, firstStaff)).toContain('ai');
    expect(speakers.slice(firstStaff)).toContain('ai');

    // The recording holds all three voices: the visitor on the left, assistant and staff on the right.
    const link = await stack.admin<{ url: string }>(`/v1/calls/${callId}/recording`);
    const audio = decodeRecording(Buffer.from(await (await fetch(link.url)).arrayBuffer()));
    // A line's offset is where it starts in the recording.
    const loudest = (speaker: string, channel: 'left' | 'right') =>
      Math.max(
        0,
        ...detail.segments
          .filter((s) => s.speaker === speaker && s.offsetMs !== null)
          .map((s) => audio.rms(channel, s.offsetMs as number, (s.offsetMs as number) + 1500)),
      );
    expect(loudest('visitor', 'left')).toBeGreaterThan(SPEECH);
    expect(loudest('ai', 'right')).toBeGreaterThan(SPEECH);
    expect(loudest(`staff:${staffId}`, 'right')).toBeGreaterThan(SPEECH);
  });

  it('gives the call back to the assistant when staff leave without handing it back', async () => {
    const { visitor } = await startCall();
    await askAndAccept(visitor);
    await visitor.waitForSpeech({ from: 'staff-', timeoutMs: WAIT_MS });
    const assistant = agentIdentity(visitor);

    // The staff member's tab closes; after the rejoin grace (2 s here) the assistant is back.
    const leftAt = Date.now();
    await page.close();
    await expect
      .poll(() => parseRoomState(visitor.room.metadata), { timeout: WAIT_MS })
      .toMatchObject({ phase: 'ai', outcome: 'staff_left' });
    await visitor.waitForSpeech({ from: assistant, after: leftAt, timeoutMs: WAIT_MS });
    await visitor.hangUp();
    page = await staffContext.newPage();
    await page.goto('/app/calls');
  });

  it('ends in a callback request when nobody is available', async () => {
    stack.double?.setScript(callbackScript);
    await setAvailable(false);
    const { callId, visitor } = await startCall();
    await visitor.say(fixture('visitor-human.wav'));
    await expectCallbackEnding(callId, visitor);
  });

  it('ends in a callback request when every available staff member declines', async () => {
    stack.double?.setScript(callbackScript);
    await setAvailable(true);
    const { callId, visitor } = await startCall();
    await visitor.say(fixture('visitor-human.wav'));
    const offer = page.getByRole('region', { name: 'Incoming call' });
    await offer.getByRole('button', { name: 'Decline' }).click();
    await offer.waitFor({ state: 'detached' });
    await expect
      .poll(() => parseRoomState(visitor.room.metadata), { timeout: WAIT_MS })
      .toMatchObject({ phase: 'ai', outcome: 'declined' });
    await expectCallbackEnding(callId, visitor);

    // Staff see both requests (this one and the one nobody was there for), claim one and close it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Callbacks' }).click();
    await page.getByRole('heading', { name: 'Callback requests' }).waitFor();
    const rows = page.getByRole('row').filter({ hasText: 'Sam' });
    await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(2);
    await rows.first().getByRole('button', { name: 'Claim' }).click();
    await rows.first().getByText('by you').waitFor();
    await rows.first().getByRole('button', { name: 'Close request' }).click();
    await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(1);
    await page.goto('/app/calls');
  });

  it('lets staff end the call for everyone', async () => {
    stack.double?.setScript(script);
    await setAvailable(true);
    const { callId, visitor } = await startCall();
    await askAndAccept(visitor);
    await visitor.waitForSpeech({ from: 'staff-', timeoutMs: WAIT_MS });
    await page.getByRole('button', { name: 'End call' }).click();
    await page.getByText('The call ended.').waitFor();
    const done = await ended(callId);
    expect([done.status, done.endReason]).toEqual(['completed', 'staff_ended']);
    await expect.poll(() => visitor.isConnected(), { timeout: WAIT_MS }).toBe(false);
    await page.goto('/app/calls');
  });

  it("keeps the call with staff when the assistant's voice model gives up, and hands it to a new assistant", async () => {
    stack.double?.setScript(script);
    await setAvailable(true);
    const { callId, visitor } = await startCall();
    const acceptedAt = await askAndAccept(visitor);
    await visitor.waitForSpeech({ from: 'staff-', after: acceptedAt, timeoutMs: WAIT_MS });

    // The account runs out of credit: the assistant's realtime session is given up for good (the
    // double serves new sessions, as OpenAI would once the credit is topped up).
    expect(stack.double?.failRealtimeSessions()).toBeGreaterThan(0);
    const assistants = (d: CallDetail) => d.participants.filter((p) => p.kind === 'ai');
    const afterLoss = await eventually(
      'the assistant leaving the call',
      async () => {
        const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
        return assistants(d).some((p) => p.leftAt) ? d : undefined;
      },
      { timeoutMs: WAIT_MS, intervalMs: 250 },
    );
    // The visitor and staff go on: the call is not ended for the model's fault.
    expect([afterLoss.status, afterLoss.endReason, afterLoss.phase]).toEqual(['connected', null, 'human']);
    // The sweeper sends a new assistant (the model takes new sessions again), which joins quietly.
    await eventually(
      'a new assistant in the call',
      async () => {
        const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
        return assistants(d).some((p) => !p.leftAt) && assistants(d).length >= 2 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const handBack = page.getByRole('button', { name: 'Hand back to assistant' });
    await expect.poll(() => handBack.isEnabled(), { timeout: WAIT_MS }).toBe(true);
    const handedBackAt = Date.now();
    await handBack.click();
    await visitor.waitForSpeech({ from: 'agent-', after: handedBackAt, timeoutMs: WAIT_MS });
    await visitor.hangUp();
    const done = await ended(callId);
    expect([done.status, done.endReason]).toEqual(['completed', 'visitor_hung_up']);
  }, 120_000);

  it('keeps the visitor waiting when the worker dies; staff take the call, and hand it to a new assistant', async () => {
    stack.double?.setScript(script);
    await setAvailable(true);
    // Long enough an offer to outlast LiveKit's notice of the dead worker (its reconnect timeout).
    await db.db.update(sites).set({ offerSeconds: 90 });
    let workerBack = false;
    try {
      const { callId, visitor } = await startCall();
      await visitor.say(fixture('visitor-human.wav'));
      const offer = page.getByRole('region', { name: 'Incoming call' });
      await offer.waitFor();
      await stack.agent?.kill();
      const assistantHere = (d: CallDetail) => d.participants.some((p) => p.kind === 'ai' && !p.leftAt);
      await eventually(
        "LiveKit's report of the assistant's dropped connection",
        async () => {
          const d = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
          return assistantHere(d) ? undefined : d;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      // The call goes on and the offer still rings: the visitor asked for a person, not the assistant.
      const waiting = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
      expect([waiting.status, waiting.endReason, waiting.phase]).toEqual([
        'connected',
        null,
        'waiting_human',
      ]);
      const acceptedAt = Date.now();
      await offer.getByRole('button', { name: 'Accept' }).click();
      await visitor.waitForSpeech({ from: 'staff-', after: acceptedAt, timeoutMs: WAIT_MS });
      // Handing back would end the call: the page says so and offers only to end it.
      await page
        .getByText('the assistant has left this call, so there is nobody to hand it back to')
        .waitFor();
      const handBack = page.getByRole('button', { name: 'Hand back to assistant' });
      expect(await handBack.isDisabled()).toBe(true);

      // A worker is back: the API dispatches a new assistant into the call, which joins quietly.
      await stack.startAgent();
      workerBack = true;
      await eventually(
        'a new assistant in the call',
        async () => assistantHere(await stack.admin<CallDetail>(`/v1/calls/${callId}`)) || undefined,
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      await expect.poll(() => handBack.isEnabled(), { timeout: WAIT_MS }).toBe(true);
      const handedBackAt = Date.now();
      await handBack.click();
      // The new assistant takes the call back and speaks; the call goes on until the visitor hangs up.
      await visitor.waitForSpeech({ from: 'agent-', after: handedBackAt, timeoutMs: WAIT_MS });
      const back = await stack.admin<CallDetail>(`/v1/calls/${callId}`);
      expect([back.status, back.endReason, back.phase]).toEqual(['connected', null, 'ai']);
      await visitor.hangUp();
      const done = await ended(callId);
      expect([done.status, done.endReason]).toEqual(['completed', 'visitor_hung_up']);
    } finally {
      await db.db.update(sites).set({ offerSeconds: null });
      if (!workerBack) await stack.startAgent();
      await page.goto('/app/calls');
    }
  }, 150_000);
});
