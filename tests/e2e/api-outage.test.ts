import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

/**
 * The API goes down while calls minted before the outage join, talk and end. LiveKit drops the
 * webhooks it cannot deliver within max_age (shortened here from 30 s to 3 s, and the outage
 * from minutes to ~15 s), and the rooms are gone by the time the API is back. The agent's
 * spooled account of the room (joins, leaves, segments) must restore each call as it was.
 */
const DB = 'voicedesk_e2e_outage_test';
const WEBHOOK_MAX_AGE_SECONDS = 3;
const SETTLE_GRACE_SECONDS = 10;
const JOIN_WINDOW_SECONDS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
  ],
};

interface CallDetail {
  status: string;
  endReason: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  participants: { kind: string }[];
  segments: { speaker: string; text: string }[];
}

let stack: Stack;

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'api-outage'),
    script,
    siteOrigins: [TEST_ORIGIN],
    webhookMaxAgeSeconds: WEBHOOK_MAX_AGE_SECONDS,
    env: {
      SWEEP_INTERVAL_MS: '500',
      SETTLE_GRACE_SECONDS: String(SETTLE_GRACE_SECONDS),
      // The outage outlasts the join window: a call must not be expired for the webhooks it lost.
      VISITOR_JOIN_WINDOW_SECONDS: String(JOIN_WINDOW_SECONDS),
      AGENT_SPOOL_REPLAY_SECONDS: '1',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

const detail = (callId: string) => stack.admin<CallDetail>(`/v1/calls/${callId}`);

async function mint() {
  const call = await mintCall(stack.apiUrl, stack.siteKey);
  // The assistant takes the call (and its settings) before the outage begins.
  await eventually('the assistant to join', async () =>
    (await detail(call.callId)).participants.some((p) => p.kind === 'ai') ? true : undefined,
  );
  return call;
}

describe('an API outage longer than LiveKit keeps webhooks', () => {
  it('ends every call with the status, reason and times it would have had, with its transcript', async () => {
    const mintedAt = Date.now();
    const talked = await mint();
    const brief = await mint();

    await stack.stopApi();

    // Call 1: greeting, one exchange, hang up.
    const visitor = await connectVisitor({ url: talked.livekitUrl, token: talked.token });
    const joinedAt = Date.now();
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, silenceMs: 1_200, timeoutMs: 20_000 });
    const said = await visitor.say(fixture('visitor-1.wav'));
    const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
    await visitor.hangUp();
    const hungUpAt = Date.now();

    // Call 2: joins, hears the greeting start, hangs up.
    const second = await connectVisitor({ url: brief.livekitUrl, token: brief.token });
    await second.waitForSpeech({ timeoutMs: 20_000 });
    await second.hangUp();
    const secondHungUpAt = Date.now();

    // Long enough that every webhook of the outage is past max_age and dropped, and that both
    // calls are past their join window when the API's sweeper first sees them.
    await sleep((WEBHOOK_MAX_AGE_SECONDS + 2) * 1000);
    await sleep(mintedAt + (JOIN_WINDOW_SECONDS + 1) * 1000 - Date.now());
    await stack.startApi();

    const settled = async (callId: string) =>
      eventually(
        'the call to end',
        async () => {
          const d = await detail(callId);
          return ['completed', 'missed', 'failed'].includes(d.status) ? d : undefined;
        },
        { timeoutMs: 20_000 },
      );
    const one = await settled(talked.callId);
    expect(one).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up' });
    // Times from the agent's account, not from when the API came back.
    expect(Math.abs(Date.parse(one.endedAt ?? '') - hungUpAt)).toBeLessThan(2_000);
    expect(Math.abs(Date.parse(one.connectedAt ?? '') - joinedAt)).toBeLessThan(2_000);
    // The duration is the row's own span, and the call the visitor lived to within a second: the
    // test's clock brackets the agent's by a few hundred ms, so their roundings may differ by one.
    expect(one.durationSeconds).toBe(
      Math.round((Date.parse(one.endedAt ?? '') - Date.parse(one.connectedAt ?? '')) / 1000),
    );
    expect(Math.abs((one.durationSeconds ?? 0) - (hungUpAt - joinedAt) / 1000)).toBeLessThan(1.5);
    await eventually('the whole transcript', async () => {
      const d = await detail(talked.callId);
      const texts = d.segments.map((s) => `${s.speaker}: ${s.text}`);
      return texts.some((t) => t.startsWith('visitor: ')) &&
        texts.filter((t) => t.startsWith('ai: ')).length >= 2
        ? texts
        : undefined;
    });

    const two = await settled(brief.callId);
    expect(two).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up' });
    expect(Math.abs(Date.parse(two.endedAt ?? '') - secondHungUpAt)).toBeLessThan(2_000);

    // And nothing changes once the settle grace has passed.
    await sleep((SETTLE_GRACE_SECONDS + 2) * 1000);
    expect(await detail(talked.callId)).toMatchObject({
      status: 'completed',
      endReason: 'visitor_hung_up',
      endedAt: one.endedAt,
    });
  });
});
