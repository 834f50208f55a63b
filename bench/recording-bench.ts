import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type SimulatedVisitor, startStack } from '@voicedesk/testkit';
import { BENCH_ORIGIN, createCall, raiseSiteCaps } from './bench-call.ts';
import { usageOf } from './process-usage.ts';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * The built-in recorder under load: its CPU and memory at 1, 5 and 10 concurrent calls (every
 * visitor talking, the assistant answering), bytes per call-minute, and hang-up → recording
 * playable (the link answers with the whole file). Real livekit-server, worker, recorder and
 * Postgres on this one host; recordings in the file store.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_recording_test';
const LEVELS = (process.env.BENCH_RECORDING_CALLS ?? '1,5,10').split(',').map(Number);
const WINDOW_SECONDS = Number(process.env.BENCH_RECORDING_SECONDS ?? 30);

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  dataDir: join(REPO_ROOT, 'bench', 'results', 'recording-data'),
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-recording'),
  siteOrigins: [BENCH_ORIGIN],
  recording: {},
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', AGENT_MAX_CALLS: '50', LOG_LEVEL: 'warn' },
});
await raiseSiteCaps(databaseUrl, stack.siteKey);

async function startCall(): Promise<{ callId: string; visitor: SimulatedVisitor }> {
  const call = await createCall(stack);
  return { callId: call.callId, visitor: await connectVisitor({ url: call.livekitUrl, token: call.token }) };
}

/** The visitor talks, waits for the answer, talks again, until told to stop. */
async function converse(visitor: SimulatedVisitor, until: () => boolean): Promise<void> {
  while (!until()) {
    const said = await visitor.say(join(REPO_ROOT, 'tests', 'fixtures', 'visitor-1.wav'));
    await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 }).catch(() => {});
    await visitor.waitForSilence({ after: said.endedAt, timeoutMs: 20_000 }).catch(() => {});
  }
}

/** Hang-up → the recording link answers with the whole, closed file. */
async function playableAfter(callId: string, hungUpAt: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${stack.apiUrl}/v1/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${stack.adminApiKey}` },
    });
    if (res.ok) {
      const { url } = (await res.json()) as { url: string };
      const file = await fetch(url);
      if (file.ok && (await file.arrayBuffer()).byteLength > 0) return Date.now() - hungUpAt;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rows: Record<string, unknown>[] = [];
const playable: number[] = [];
const bytesPerMinute: number[] = [];
try {
  const recorderPid = stack.recorder?.pid ?? 0;
  for (const calls of LEVELS) {
    // Calls arrive a second apart, as people press buttons; each is greeted before the window opens
    // (a worker that is too busy to take one leaves it unanswered: the recorder records it anyway).
    const started: Awaited<ReturnType<typeof startCall>>[] = [];
    for (let i = 0; i < calls; i++) {
      started.push(await startCall());
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const greeted = await Promise.all(
      started.map(({ visitor }) =>
        visitor.waitForSpeech({ timeoutMs: 45_000 }).then(
          () => true,
          () => false,
        ),
      ),
    );
    const before = usageOf(recorderPid);
    const t0 = Date.now();
    let peakRss = before.rssMb;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, usageOf(recorderPid).rssMb);
    }, 500);
    const stopAt = t0 + WINDOW_SECONDS * 1000;
    await Promise.all(started.map(({ visitor }) => converse(visitor, () => Date.now() >= stopAt)));
    clearInterval(sampler);
    const after = usageOf(recorderPid);
    const wall = (Date.now() - t0) / 1000;
    const cpuPct = ((after.cpuSeconds - before.cpuSeconds) / wall) * 100;
    const ends = await Promise.all(
      started.map(async ({ callId, visitor }) => {
        const hungUpAt = Date.now();
        await visitor.hangUp();
        return { callId, ms: await playableAfter(callId, hungUpAt) };
      }),
    );
    for (const { callId, ms } of ends) {
      playable.push(ms);
      const d = await stack.admin<{ recording: { bytes: number; durationMs: number } }>(
        `/v1/calls/${callId}`,
      );
      bytesPerMinute.push(d.recording.bytes / (d.recording.durationMs / 60_000));
    }
    rows.push({
      calls,
      greeted: greeted.filter(Boolean).length,
      recorderCpuPercentOfOneCore: Math.round(cpuPct * 10) / 10,
      cpuPercentPerCall: Math.round((cpuPct / calls) * 10) / 10,
      recorderPeakRssMb: Math.round(peakRss),
      rssMbPerCall: Math.round(((peakRss - before.rssMb) / calls) * 10) / 10,
    });
    process.stdout.write(`recording bench: ${calls} calls, recorder ${cpuPct.toFixed(1)}% of a core\n`);
  }
  const bpm = summary(bytesPerMinute);
  const ready = summary(playable);
  const table = [
    `Built-in recorder (window ${WINDOW_SECONDS} s per level, every visitor talking, the assistant answering; one host, 2 cores)`,
    '',
    '| concurrent calls | answered by the assistant | recorder CPU (% of one core) | per call | recorder RSS peak (MB) | per call (MB) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.calls} | ${r.greeted} | ${r.recorderCpuPercentOfOneCore} | ${r.cpuPercentPerCall} | ${r.recorderPeakRssMb} | ${r.rssMbPerCall} |`,
    ),
    '',
    '| measure | p50 | p95 | n |',
    '| --- | --- | --- | --- |',
    `| bytes per call-minute | ${bpm.p50} | ${bpm.p95} | ${bpm.n} |`,
    `| hang-up → recording playable (ms) | ${ready.p50} | ${ready.p95} | ${ready.n} |`,
  ].join('\n');
  writeResults(
    'recording',
    { windowSeconds: WINDOW_SECONDS, levels: rows, bytesPerMinute: bpm, playableMs: ready },
    table,
  );
} finally {
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
// The visitors' rtc-node handles keep the event loop alive after they hung up.
process.exit(0);
