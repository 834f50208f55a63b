import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadApiConfig } from '@voicedesk/config';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApiServer } from '../../apps/api/src/server.ts';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';
import { isEvent, openSse, type SseClient, type SseMessage } from '../support/sse-client.ts';

const DB = 'voicedesk_e2e_live_test';
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

type CallData = { call: { id: string; status: string } };
type SegmentData = { callId: string; segment: { seq: number; text: string; endedAt: string } };

let databaseUrl: string;
let stack: Stack;
/** A second API process's worth (in this process) on the same database: the Live view's side. */
let live: RunningApi;
let sse: SseClient | undefined;

beforeAll(async () => {
  databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'live-transcript'),
    script,
    siteOrigins: [TEST_ORIGIN],
    env: { LOG_LEVEL: 'info' },
  });
  live = await startApiServer(
    loadApiConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LIVEKIT_URL: stack.livekit.url,
      LIVEKIT_API_KEY: stack.livekit.apiKey,
      LIVEKIT_API_SECRET: stack.livekit.apiSecret,
      ADMIN_API_KEY: stack.adminApiKey,
      INTERNAL_SERVICE_KEY: stack.internalServiceKey,
      VISITOR_KEY_SECRET: randomBytes(24).toString('base64url'),
      RECORDING_MODE: 'off',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    }),
  );
});

afterAll(async () => {
  sse?.close();
  await live?.close();
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

function summary(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `${label}: n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p95=${f(percentile(sorted, 95))} ms max=${f(sorted.at(-1) ?? Number.NaN)} ms`;
}

describe('the Live view during a real call', () => {
  it("streams the call's transcript, as it is spoken, to a client of another API process", async () => {
    sse = await openSse(`${live.url}/v1/live/events`, { authorization: `Bearer ${stack.adminApiKey}` });
    expect(sse.status).toBe(200);
    const stream = sse;
    await eventually(
      'the live stream to subscribe',
      async () => (live.deps.live.subscribers > 0 ? true : undefined),
      {
        timeoutMs: 5_000,
        intervalMs: 20,
      },
    );

    const call = await mintCall(stack.apiUrl, stack.siteKey);
    const ofCall = (m: SseMessage) => m.data.includes(call.callId);
    await stream.next(
      isEvent(
        'call',
        (d: CallData) => d.call.id === call.callId && ['pending', 'ringing'].includes(d.call.status),
      ),
    );

    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await stream.next(
      isEvent('call', (d: CallData) => d.call.id === call.callId && d.call.status === 'connected'),
      20_000,
    );
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    await stream.next(
      isEvent('segment', (d: SegmentData) => d.segment.text === script.greeting.text),
      20_000,
    );

    const said1 = await visitor.say(fixture('visitor-1.wav'));
    const reply1 = await visitor.waitForSpeech({ after: said1.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply1.startedAt, timeoutMs: 20_000 });
    await stream.next(
      isEvent('segment', (d: SegmentData) => d.segment.text === script.turns[0]?.transcriptOfUser),
      20_000,
    );

    // Mid-call, the list a dashboard loads shows the call with what has been said so far.
    const mid = await fetch(`${live.url}/v1/live/calls`, {
      headers: { authorization: `Bearer ${stack.adminApiKey}` },
    });
    const { items } = (await mid.json()) as { items: { id: string; segments: { text: string }[] }[] };
    const listed = items.find((i) => i.id === call.callId);
    expect(listed?.segments.map((s) => s.text).slice(0, 2)).toEqual([
      script.greeting.text,
      script.turns[0]?.transcriptOfUser,
    ]);

    const said2 = await visitor.say(fixture('visitor-2.wav'));
    const reply2 = await visitor.waitForSpeech({ after: said2.endedAt, timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: reply2.startedAt, timeoutMs: 20_000 });
    await visitor.hangUp();

    await stream.next(
      isEvent('call', (d: CallData) => d.call.id === call.callId && d.call.status === 'completed'),
      45_000,
    );
    await eventually(
      'all five segments to be streamed',
      async () =>
        stream.messages.filter((m) => m.event === 'segment' && ofCall(m)).length >= 5 ? true : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    const segments = stream.messages
      .filter((m) => m.event === 'segment' && ofCall(m))
      .map((m) => ({ at: m.at, ...(JSON.parse(m.data) as SegmentData) }));
    expect(segments.map((s) => s.segment.text)).toEqual([
      script.greeting.text,
      script.turns[0]?.transcriptOfUser,
      script.turns[0]?.text,
      script.turns[1]?.transcriptOfUser,
      script.turns[1]?.text,
    ]);
    const statuses = stream.messages
      .filter((m) => m.event === 'call' && ofCall(m))
      .map((m) => (JSON.parse(m.data) as CallData).call.status);
    // Each event carries the row as read when its notice arrived, so two quick changes may both
    // show the later state; the order never goes back.
    const order = ['pending', 'ringing', 'connected', 'completed'];
    const ranks = statuses.map((st) => order.indexOf(st));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    // Told of the new call once its room exists; the assistant may have joined (ringing) by then.
    expect(['pending', 'ringing']).toContain(statuses[0]);
    expect(statuses).toContain('connected');
    expect(statuses.at(-1)).toBe('completed');

    // Stored (the row's time, this machine's clock) → delivered to the client, per segment.
    const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await db<{ seq: number; storedMs: number }[]>`
        select seq, extract(epoch from created_at) * 1000 as "storedMs"
        from transcript_segments where call_id = ${call.callId}`;
      const stored = new Map(rows.map((r) => [r.seq, Number(r.storedMs)]));
      const storedToDelivered = segments.map((s) => s.at - (stored.get(s.segment.seq) ?? Number.NaN));
      const spokenToDelivered = segments.map((s) => s.at - Date.parse(s.segment.endedAt));
      console.log(
        `[live latency] ${summary('segment stored → SSE delivered (other API process)', storedToDelivered)}`,
      );
      console.log(`[live latency] ${summary('segment spoken (its end) → SSE delivered', spokenToDelivered)}`);
      expect(storedToDelivered.every(Number.isFinite)).toBe(true);
    } finally {
      await db.end({ timeout: 5 });
    }
  });
});
