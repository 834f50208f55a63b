import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, startStack } from '@voicedesk/testkit';
import { BENCH_ORIGIN, callMetrics, createCall, raiseSiteCaps } from './bench-call.ts';
import { BUILT_ENTRYPOINTS } from './built-entrypoints.ts';
import { primeGreeting } from './prime-greeting.ts';
import { writeResults } from './results-file.ts';
import { breakdownTable, type SetupValues, setupBreakdown } from './setup-breakdown.ts';
import { summary } from './stats.ts';

/**
 * Call setup and platform turn overhead against the real stack (POST /v1/calls throughput is
 * bench/mint-bench.ts):
 * livekit-server, PostgreSQL, the agent worker and the model double at a fixed latency.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_test';
const MODEL_LATENCY_MS = Number(process.env.BENCH_MODEL_LATENCY_MS ?? 300);
const SETUP_CALLS = Number(process.env.BENCH_CALLS ?? 20);
/** The second run of setup calls waits this long between calls (the first runs them back to back). */
const SPACED_GAP_MS = Number(process.env.BENCH_GAP_MS ?? 3_000);
/** `tsx` runs the sources as the tests do; production (the default here) runs the built JavaScript. */
const FROM_SOURCES = process.env.BENCH_SOURCES === 'tsx';
const TURN_CALLS = Number(process.env.BENCH_TURN_CALLS ?? 5);
/** `pipeline` runs the worker in its STT → LLM → TTS mode (the double's HTTP routes). */
const VOICE_MODE = process.env.BENCH_VOICE_MODE === 'pipeline' ? 'pipeline' : 'realtime';
/**
 * The overhead subtracts the double's server VAD window and one model latency, and its split
 * reads the end of speech the double's Realtime session marks: realtime mode's. In pipeline mode
 * the worker's own VAD and end-of-turn model decide the end of speech, and each of the three
 * routes (transcription, chat, speech) answers late.
 */
const PIPELINE_TURN_NOTE = [
  '',
  "Pipeline mode: the turn overhead and its split are measured in realtime mode only (the end of speech here is the worker's VAD and end-of-turn model, and each of the transcription, chat and speech routes adds the model latency).",
];
const fixture = (name: string) => join(REPO_ROOT, 'tests', 'fixtures', name);

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs'),
  modelLatencyMs: MODEL_LATENCY_MS,
  siteOrigins: [BENCH_ORIGIN],
  entrypoints: FROM_SOURCES ? undefined : BUILT_ENTRYPOINTS,
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn', VOICE_MODE },
});
// The per-IP limit (above) and the site's caps would refuse a run of calls from one address.
await raiseSiteCaps(databaseUrl, stack.siteKey);

/** The worker reports the setup trace once the greeting is out. */
const setupTrace = (callId: string) =>
  callMetrics(stack, callId, (metrics) => metrics.find((m) => m.kind === 'setup')?.values);

/** The worker's `turn` metrics by turn number, once the call's last turn is in. */
async function turnMetrics(callId: string, lastTurn: number): Promise<Map<number, SetupValues>> {
  const turns = await callMetrics(stack, callId, (metrics) => {
    const byTurn = new Map(metrics.filter((m) => m.kind === 'turn').map((m) => [m.turn, m.values]));
    return byTurn.has(lastTurn) ? byTurn : undefined;
  });
  return turns ?? new Map();
}

try {
  await primeGreeting(stack);
  // 1. Call setup: press (POST) → agent joined → first greeting audio heard by the visitor,
  // back to back and then spaced out (the worker's idle processes have time to warm up again).
  const schedules = [
    { name: 'back to back', gapMs: 0 },
    { name: `${SPACED_GAP_MS / 1000} s apart`, gapMs: SPACED_GAP_MS },
  ];
  const setupRuns = [];
  for (const schedule of schedules) {
    const mintMs: number[] = [];
    const greetingMs: number[] = [];
    const traced: { t0: number; setup: SetupValues; heardAt: number }[] = [];
    for (let i = 0; i < SETUP_CALLS; i++) {
      // The first spaced call too: it would otherwise follow the last back-to-back call at once.
      if (schedule.gapMs) await new Promise((r) => setTimeout(r, schedule.gapMs));
      const t0 = Date.now();
      const call = await createCall(stack);
      mintMs.push(Date.now() - t0);
      const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
      const greeting = await visitor.waitForSpeech({ after: t0, timeoutMs: 20_000 });
      greetingMs.push(greeting.startedAt - t0);
      await visitor.hangUp();
      const setup = await setupTrace(call.callId);
      if (setup) traced.push({ t0, setup, heardAt: greeting.startedAt });
      process.stdout.write(
        `setup (${schedule.name}) ${i + 1}/${SETUP_CALLS}: greeting after ${greeting.startedAt - t0} ms, from ${setup?.greetingSource ?? '?'}\n`,
      );
    }
    setupRuns.push({
      schedule: schedule.name,
      postCallsMs: summary(mintMs),
      firstGreetingAudioMs: summary(greetingMs),
      breakdown: setupBreakdown(traced),
    });
  }

  // 2. Platform turn overhead: end of visitor speech → first reply audio, minus the server
  // VAD's silence window and the double's configured model latency.
  const vadSilenceMs = stack.double?.vadSilenceMs ?? 500;
  const overheadMs: number[] = [];
  const rawTurnMs: number[] = [];
  const toAgentMs: number[] = [];
  const agentMs: number[] = [];
  const toVisitorMs: number[] = [];
  for (let i = 0; i < TURN_CALLS; i++) {
    const call = await createCall(stack);
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
    await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
    const heard: { endedAt: number; replyAt: number }[] = [];
    for (const wav of ['visitor-1.wav', 'visitor-2.wav']) {
      const said = await visitor.say(fixture(wav));
      const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
      heard.push({ endedAt: said.endedAt, replyAt: reply.startedAt });
      rawTurnMs.push(reply.startedAt - said.endedAt);
      overheadMs.push(reply.startedAt - said.endedAt - vadSilenceMs - MODEL_LATENCY_MS);
      await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
    }
    await visitor.hangUp();
    // The split, from the worker's turn metrics (epoch ms on the same host's clock): the hop to
    // the model's VAD (minus its silence window), the agent's own part (its time after the
    // model's end of speech, minus the model's time to first audio), the hop to the visitor.
    const turns = await turnMetrics(call.callId, heard.length);
    heard.forEach((h, n) => {
      const t = turns.get(n + 1);
      if (!t) return;
      const { visitorStoppedAt, firstAudioAt, modelMs } = t;
      if (typeof visitorStoppedAt !== 'number' || typeof firstAudioAt !== 'number') return;
      toAgentMs.push(visitorStoppedAt - h.endedAt - vadSilenceMs);
      if (typeof modelMs === 'number') agentMs.push(firstAudioAt - visitorStoppedAt - modelMs);
      toVisitorMs.push(h.replyAt - firstAudioAt);
    });
  }

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    modelLatencyMs: MODEL_LATENCY_MS,
    voiceMode: VOICE_MODE,
    vadSilenceMs,
    agentFrom: FROM_SOURCES ? 'TypeScript sources under tsx' : 'built JavaScript, NODE_ENV=production',
    setup: setupRuns,
    turn: { rawEndOfSpeechToReplyMs: summary(rawTurnMs) },
    turnOverhead:
      VOICE_MODE === 'realtime'
        ? {
            platformOverheadMs: summary(overheadMs),
            visitorToModelVadMs: summary(toAgentMs),
            agentOwnMs: summary(agentMs),
            agentToVisitorMs: summary(toVisitorMs),
          }
        : undefined,
  };
  const row = (name: string, s: Percentiles) => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} |`;
  const table = [
    `Model double latency ${MODEL_LATENCY_MS} ms, server VAD silence window ${vadSilenceMs} ms; API and worker on ${results.agentFrom}.`,
    '',
    ...setupRuns.flatMap((run) => [
      `Call setup, ${run.schedule} (${SETUP_CALLS} calls, rtc-node visitor, ${VOICE_MODE} mode):`,
      '',
      '| measure (ms) | n | p50 | p95 |',
      '| --- | --- | --- | --- |',
      row('POST /v1/calls answered', run.postCallsMs),
      row('POST → first greeting audio at the visitor', run.firstGreetingAudioMs),
      '',
      breakdownTable(run.breakdown),
      '',
    ]),
    '| measure (ms) | n | p50 | p95 |',
    '| --- | --- | --- | --- |',
    row('visitor end of speech → first reply audio', results.turn.rawEndOfSpeechToReplyMs),
    ...(results.turnOverhead ? turnOverheadRows(results.turnOverhead, row) : PIPELINE_TURN_NOTE),
  ].join('\n');
  writeResults(`call-bench-${MODEL_LATENCY_MS}ms`, results, table);
} finally {
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);

type Percentiles = { n: number; p50: number; p95: number };

function turnOverheadRows(
  turn: Record<'platformOverheadMs' | 'visitorToModelVadMs' | 'agentOwnMs' | 'agentToVisitorMs', Percentiles>,
  row: (name: string, s: Percentiles) => string,
): string[] {
  return [
    row('platform turn overhead (minus VAD window and model latency)', turn.platformOverheadMs),
    row(
      '… visitor → model VAD: WebRTC hop in, agent forwarding (minus the VAD window)',
      turn.visitorToModelVadMs,
    ),
    row("… the agent's own part (after the model's end of speech, minus model latency)", turn.agentOwnMs),
    row('… agent → visitor: WebRTC hop out, first reply frame to audio heard', turn.agentToVisitorMs),
  ];
}
