import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_spine_test';
/** The double holds each reply back this long, so the stored model time has a known floor. */
const MODEL_LATENCY_MS = 200;
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

let stack: Stack;

interface CallDetail {
  status: string;
  endReason: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  participants: { kind: string; identity: string; joinedAt: string; leftAt: string | null }[];
  segments: { seq: number; speaker: string; text: string }[];
  events: { type: string }[];
  metrics: { turn: number; kind: string; values: Record<string, unknown> }[];
}

async function detail(callId: string): Promise<CallDetail> {
  return stack.admin<CallDetail>(`/v1/calls/${callId}`);
}

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'call-spine'),
    script,
    modelLatencyMs: MODEL_LATENCY_MS,
    siteOrigins: [TEST_ORIGIN],
    env: {
      SWEEP_INTERVAL_MS: '500',
      LOG_LEVEL: 'info',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

describe('a real support call, end to end', () => {
  it('greets, answers two utterances, and stores the whole call', async () => {
    const call = await mintCall(stack.apiUrl, stack.siteKey);
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });

    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });

    const said1 = await visitor.say(fixture('visitor-1.wav'));
    const reply1 = await visitor.waitForSpeech({ after: said1.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply1.startedAt, timeoutMs: 20_000 });

    const said2 = await visitor.say(fixture('visitor-2.wav'));
    const reply2 = await visitor.waitForSpeech({ after: said2.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply2.startedAt, timeoutMs: 20_000 });

    const answeredAt = await visitor.agentSeenAt(1_000);
    const hungUpAt = Date.now();
    await visitor.hangUp();

    const done = await eventually(
      'the call to be completed with every participant gone and five segments stored',
      async () => {
        const d = await detail(call.callId);
        const settled =
          d.status === 'completed' && d.participants.every((p) => p.leftAt) && d.segments.length >= 5;
        return settled ? d : undefined;
      },
      { timeoutMs: 45_000 },
    );

    expect(done.endReason).toBe('visitor_hung_up');
    expect(Math.abs((done.durationSeconds ?? -99) - (hungUpAt - answeredAt) / 1000)).toBeLessThanOrEqual(2);

    expect(done.participants.map((p) => p.kind).sort()).toEqual(['ai', 'visitor']);
    for (const p of done.participants) {
      expect(Date.parse(p.leftAt as string)).toBeGreaterThan(Date.parse(p.joinedAt));
    }

    expect(done.segments.map((s) => s.speaker)).toEqual(['ai', 'visitor', 'ai', 'visitor', 'ai']);
    expect(done.segments.map((s) => s.seq)).toEqual(
      [...done.segments.map((s) => s.seq)].sort((a, b) => a - b),
    );
    expect(done.segments.map((s) => s.text)).toEqual([
      script.greeting.text,
      script.turns[0]?.transcriptOfUser,
      script.turns[0]?.text,
      script.turns[1]?.transcriptOfUser,
      script.turns[1]?.text,
    ]);

    // What the agent session streams to the visitor's browser carries the conversation, never
    // the operator's instructions or the platform's secrets.
    const streamed = Buffer.concat(visitor.sessionMessages()).toString('latin1');
    expect(streamed).toContain(script.turns[0]?.text);
    expect(streamed).not.toContain('friendly voice support assistant');
    expect(streamed).not.toContain(stack.internalServiceKey);
    expect(streamed).not.toContain('/internal/');

    const types = done.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['room_started', 'participant_joined', 'participant_left']));

    // Turn 0 is the greeting; turns 1 and 2 answer the visitor, each with its measured latency.
    const byTurn = (kind: string) => done.metrics.filter((m) => m.kind === kind).map((m) => m.turn);
    expect(byTurn('realtime')).toEqual([0, 1, 2]);
    expect(byTurn('turn')).toEqual([0, 1, 2]);
    for (const m of done.metrics.filter((x) => x.kind === 'turn' && x.turn > 0)) {
      // End of speech → first audio covers the 500 ms VAD window and the model's time.
      // The agent dates the end of speech from its own VAD event, which reaches it a little after
      // the double (whose hold starts at its own end-of-speech) saw it: allow that gap.
      expect(Number(m.values.modelMs)).toBeGreaterThanOrEqual(MODEL_LATENCY_MS - 50);
      expect(Number(m.values.e2eMs)).toBeGreaterThanOrEqual(Number(m.values.modelMs) + 500);
    }
    for (const m of done.metrics.filter((x) => x.kind === 'realtime')) {
      expect(Number(m.values.outputTokens)).toBeGreaterThan(0);
    }
  });
});
