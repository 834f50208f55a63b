import { join } from 'node:path';
import { dropTestDatabase, openDatabase, recreateTestDatabase, sites } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, startStack } from '@voicedesk/testkit';
import { eq } from 'drizzle-orm';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * Call setup and platform turn overhead against the real stack (POST /v1/calls throughput is
 * bench/mint-bench.ts):
 * livekit-server, PostgreSQL, the agent worker and the model double at a fixed latency.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_test';
const ORIGIN = 'https://bench.example.test';
const MODEL_LATENCY_MS = Number(process.env.BENCH_MODEL_LATENCY_MS ?? 300);
const SETUP_CALLS = Number(process.env.BENCH_CALLS ?? 20);
const TURN_CALLS = Number(process.env.BENCH_TURN_CALLS ?? 5);
const fixture = (name: string) => join(REPO_ROOT, 'tests', 'fixtures', name);

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs'),
  modelLatencyMs: MODEL_LATENCY_MS,
  siteOrigins: [ORIGIN],
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' },
});
// The per-IP limit (above) and the site's caps on calls waiting and in progress would refuse a
// throughput run from one address; they are raised here, and the tables say so.
{
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 1 });
  await database.db
    .update(sites)
    .set({ maxPendingCalls: 1_000_000, maxActiveCalls: 1_000_000 })
    .where(eq(sites.publicKey, stack.siteKey));
  await database.close();
}

async function createCall(extraHeaders: Record<string, string> = {}) {
  const res = await fetch(`${stack.apiUrl}/v1/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...extraHeaders },
    body: JSON.stringify({ siteKey: stack.siteKey }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { callId: string; token: string; livekitUrl: string };
}

async function aiJoinedAt(callId: string): Promise<number | undefined> {
  const detail = await stack.admin<{ participants: { kind: string; joinedAt: string }[] }>(
    `/v1/calls/${callId}`,
  );
  const ai = detail.participants.find((p) => p.kind === 'ai');
  return ai ? Date.parse(ai.joinedAt) : undefined;
}

try {
  // 1. Call setup: press (POST) → agent joined → first greeting audio heard by the visitor.
  const mintMs: number[] = [];
  const agentJoinMs: number[] = [];
  const greetingMs: number[] = [];
  for (let i = 0; i < SETUP_CALLS; i++) {
    const t0 = Date.now();
    const call = await createCall();
    mintMs.push(Date.now() - t0);
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    const greeting = await visitor.waitForSpeech({ after: t0, timeoutMs: 20_000 });
    greetingMs.push(greeting.startedAt - t0);
    await visitor.hangUp();
    const joined = await aiJoinedAt(call.callId);
    if (joined) agentJoinMs.push(joined - t0);
    process.stdout.write(`setup ${i + 1}/${SETUP_CALLS}: greeting after ${greeting.startedAt - t0} ms\n`);
  }

  // 2. Platform turn overhead: end of visitor speech → first reply audio, minus the server
  // VAD's silence window and the double's configured model latency.
  const vadSilenceMs = stack.double?.vadSilenceMs ?? 500;
  const overheadMs: number[] = [];
  const rawTurnMs: number[] = [];
  for (let i = 0; i < TURN_CALLS; i++) {
    const call = await createCall();
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    let quiet = await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    for (const wav of ['visitor-1.wav', 'visitor-2.wav']) {
      const said = await visitor.say(fixture(wav));
      const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
      rawTurnMs.push(reply.startedAt - said.endedAt);
      overheadMs.push(reply.startedAt - said.endedAt - vadSilenceMs - MODEL_LATENCY_MS);
      quiet = await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
    }
    void quiet;
    await visitor.hangUp();
  }

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    modelLatencyMs: MODEL_LATENCY_MS,
    vadSilenceMs,
    setup: {
      postCallsMs: summary(mintMs),
      agentJoinedMs: summary(agentJoinMs),
      firstGreetingAudioMs: summary(greetingMs),
    },
    turn: { rawEndOfSpeechToReplyMs: summary(rawTurnMs), platformOverheadMs: summary(overheadMs) },
  };
  const row = (name: string, s: { n: number; p50: number; p95: number }) =>
    `| ${name} | ${s.n} | ${s.p50} | ${s.p95} |`;
  const table = [
    `Model double latency ${MODEL_LATENCY_MS} ms, server VAD silence window ${vadSilenceMs} ms.`,
    '',
    '| measure (ms) | n | p50 | p95 |',
    '| --- | --- | --- | --- |',
    row('POST /v1/calls answered', results.setup.postCallsMs),
    row('POST → agent joined the room', results.setup.agentJoinedMs),
    row('POST → first greeting audio at the visitor', results.setup.firstGreetingAudioMs),
    row('visitor end of speech → first reply audio', results.turn.rawEndOfSpeechToReplyMs),
    row('platform turn overhead (minus VAD window and model latency)', results.turn.platformOverheadMs),
  ].join('\n');
  writeResults('call-bench', results, table);
} finally {
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
