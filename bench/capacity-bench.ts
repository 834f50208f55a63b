import { cpus } from 'node:os';
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type SimulatedVisitor, startStack } from '@voicedesk/testkit';
import { BENCH_ORIGIN, createCall, raiseSiteCaps } from './bench-call.ts';
import { BUILT_ENTRYPOINTS } from './built-entrypoints.ts';
import { silenceAfter, speechAfter } from './heard-speech.ts';
import { type GroupUsage, processCount, sampleUsage } from './process-usage.ts';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * Capacity of one agent worker in realtime mode: the most concurrent calls it carries while the
 * platform turn overhead's p95 stays under twice its single-call value, with the worker's CPU and
 * memory (its job processes included) while each level is connected.
 *
 * The calls of a level stay connected into the next one, which only adds the difference: the
 * framework starts job processes one at a time (its pool initialises them under one lock), so
 * opening every level from nothing would spend most of the run on process start-up, the thing
 * the call benchmark measures, instead of on calls being carried.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_capacity_bench_test';
const MODEL_LATENCY_MS = Number(process.env.BENCH_MODEL_LATENCY_MS ?? 300);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,5,10,15,20,25,30,40').split(',').map(Number);
const TARGET = 25;
/** High enough that the worker's own cap never refuses a call while it is being measured. */
const WORKER_MAX_CALLS = 100;
/** Calls waiting for their greeting at once: the worker warms one job process at a time anyway. */
const OPENING_AT_ONCE = Number(process.env.BENCH_OPENING_AT_ONCE ?? 1);
/** Turns measured at a level at least (each visitor says at least two). */
const MIN_TURNS_PER_LEVEL = 8;
const WAIT_MS = 20_000;
/** Past this the ramp stops after the level in progress, to keep the bench near eight minutes. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 7 * 60_000);
/** Measure every level even past a failure (CPU and memory per call on a machine too busy to pass). */
const KEEP_GOING = process.env.BENCH_KEEP_GOING === '1';
const FIXTURES = ['visitor-1.wav', 'visitor-2.wav'].map((f) => join(REPO_ROOT, 'tests', 'fixtures', f));

const benchStarted = Date.now();
const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-capacity'),
  modelLatencyMs: MODEL_LATENCY_MS,
  siteOrigins: [BENCH_ORIGIN],
  entrypoints: BUILT_ENTRYPOINTS,
  env: {
    CALL_RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    AGENT_MAX_CALLS: String(WORKER_MAX_CALLS),
  },
});
// Calls wait silent, connected, while the next level's calls open: no idle ending meanwhile.
await raiseSiteCaps(databaseUrl, stack.siteKey, { idleTimeoutSeconds: 3_600, maxCallSeconds: 3_600 });
const vadSilenceMs = stack.double?.vadSilenceMs ?? 500;
const workerPid = stack.agent?.pid;
if (workerPid === undefined) throw new Error('the stack started no agent worker');
const usageGroups = [
  { name: 'worker', pid: workerPid, withChildren: true },
  { name: 'bench', pid: process.pid, withChildren: false },
  { name: 'livekit', pid: stack.livekit.pid, withChildren: false },
  { name: 'api', pid: stack.api.pid, withChildren: true },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface OpenCall {
  callId: string;
  visitor: SimulatedVisitor;
  greetingMs: number;
}

/** Errors counted by message, so a level that fails forty times the same way reads as one line. */
function errorCounter() {
  const counts = new Map<string, number>();
  return {
    add(error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      counts.set(message, (counts.get(message) ?? 0) + 1);
    },
    list: () => [...counts].map(([message, count]) => ({ message, count })),
  };
}

/** A call whose greeting started and ended; `greeted` is told when it starts, to open the next. */
async function openCall(
  errors: ReturnType<typeof errorCounter>,
  callIds: string[],
  greeted: () => void,
): Promise<OpenCall | undefined> {
  let visitor: SimulatedVisitor | undefined;
  try {
    const t0 = Date.now();
    const call = await createCall(stack);
    callIds.push(call.callId);
    visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    // Unhandled, rtc-node logs a debug line for every transcription stream the worker sends.
    visitor.room.registerTextStreamHandler('lk.transcription', (reader) => {
      void reader.readAll().catch(() => {});
    });
    const greeting = await speechAfter(visitor, t0, WAIT_MS).finally(greeted);
    await silenceAfter(visitor, greeting, WAIT_MS);
    return { callId: call.callId, visitor, greetingMs: greeting - t0 };
  } catch (error) {
    errors.add(error);
    await visitor?.hangUp().catch(() => {});
    return undefined;
  }
}

async function waitUntilEnded(callIds: string[], errors: ReturnType<typeof errorCounter>) {
  const deadline = Date.now() + WAIT_MS;
  let open = [...callIds];
  while (open.length > 0 && Date.now() < deadline) {
    const still: string[] = [];
    for (const id of open) {
      const detail = await stack.admin<{ endedAt: string | null }>(`/v1/calls/${id}`).catch(() => undefined);
      if (!detail?.endedAt) still.push(id);
    }
    open = still;
    if (open.length > 0) await sleep(500);
  }
  if (open.length > 0)
    errors.add(new Error(`${open.length} calls not ended ${WAIT_MS} ms after the hang-up`));
}

async function waitForWorkerProcesses(atMost: number) {
  const deadline = Date.now() + WAIT_MS;
  while (processCount(workerPid as number) > atMost && Date.now() < deadline) await sleep(500);
}

/**
 * Each call takes a warm job process and the framework starts a replacement; its start-up is
 * call setup, not carrying calls, so the window waits for the pool to be full again.
 */
async function waitForWarmPool(processes: number) {
  const deadline = Date.now() + WAIT_MS;
  while (processCount(workerPid as number) < processes && Date.now() < deadline) await sleep(500);
  await sleep(2_000);
}

interface LevelResult {
  level: number;
  greeted: number;
  greetingMs: ReturnType<typeof summary>;
  turnsMeasured: number;
  overheadMs: ReturnType<typeof summary>;
  rawTurnMs: ReturnType<typeof summary>;
  measuredSeconds: number;
  usage: Record<string, GroupUsage>;
  errors: { message: string; count: number }[];
  passed: boolean;
}

/** At most `n` callers between `acquire` and `release` at once. */
function slots(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    acquire(): Promise<void> {
      if (free === 0) return new Promise((r) => waiting.push(r));
      free--;
      return Promise.resolve();
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** Opens calls up to `level` (the earlier levels' stay connected), then every call talks. */
async function runLevel(
  level: number,
  connected: OpenCall[],
  callIds: string[],
  idleProcesses: number,
): Promise<Omit<LevelResult, 'passed'>> {
  const errors = errorCounter();
  const opening = slots(OPENING_AT_ONCE);
  // A worker that has stopped taking calls would otherwise cost 20 s per remaining call.
  let failedInARow = 0;
  const opened = await Promise.all(
    Array.from({ length: Math.max(0, level - connected.length) }, async () => {
      await opening.acquire();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        opening.release();
      };
      if (failedInARow >= 2 * OPENING_AT_ONCE) {
        errors.add(new Error('not opened: the calls opened before it all failed'));
        release();
        return undefined;
      }
      const call = await openCall(errors, callIds, release);
      failedInARow = call ? 0 : failedInARow + 1;
      release();
      return call;
    }),
  );
  const added = opened.filter((c): c is OpenCall => c !== undefined);
  connected.push(...added);
  const calls = [...connected];
  await waitForWarmPool(idleProcesses + calls.length);
  if (calls.length === 0) errors.add(new Error('no call connected'));

  // Every greeted call is connected now: measure the worker while they talk.
  const turnsEach = Math.max(2, Math.ceil(MIN_TURNS_PER_LEVEL / Math.max(1, calls.length)));
  // Starts spread over about one turn (3 s of speech, a reply of 4.5 s), not all at once.
  const staggerMs = Math.min(400, 6_000 / Math.max(1, calls.length));
  const overheadMs: number[] = [];
  const rawTurnMs: number[] = [];
  const usage = sampleUsage(usageGroups);
  const measureStart = performance.now();
  await Promise.all(
    calls.map(async (call, i) => {
      await sleep(i * staggerMs);
      try {
        for (let t = 0; t < turnsEach; t++) {
          const said = await call.visitor.say(FIXTURES[t % FIXTURES.length] as string);
          const reply = await speechAfter(call.visitor, said.endedAt, WAIT_MS);
          rawTurnMs.push(reply - said.endedAt);
          overheadMs.push(reply - said.endedAt - vadSilenceMs - MODEL_LATENCY_MS);
          await silenceAfter(call.visitor, reply, WAIT_MS);
        }
      } catch (error) {
        errors.add(error);
        // A call that stopped answering is not carried: hang it up, the next level opens another.
        connected.splice(connected.indexOf(call), 1);
        await call.visitor.hangUp().catch(() => {});
      }
    }),
  );
  const measuredSeconds = Math.round((performance.now() - measureStart) / 100) / 10;
  const used = usage.stop();

  return {
    level,
    greeted: calls.length,
    greetingMs: summary(added.map((c) => c.greetingMs)),
    turnsMeasured: overheadMs.length,
    overheadMs: summary(overheadMs),
    rawTurnMs: summary(rawTurnMs),
    measuredSeconds,
    usage: used,
    errors: errors.list(),
  };
}

try {
  // The idle worker (its warm job processes included) is what every level's figures add to.
  await sleep(3_000);
  const idleProcesses = processCount(workerPid);
  const idleSampler = sampleUsage(usageGroups);
  await sleep(3_000);
  const idle = idleSampler.stop();

  const levels: LevelResult[] = [];
  const connected: OpenCall[] = [];
  const callIds: string[] = [];
  let singleCallP95: number | undefined;
  for (const level of LEVELS) {
    if (Date.now() - benchStarted > BUDGET_MS) {
      console.log(`time budget spent: stopping before level ${level}`);
      break;
    }
    const result = await runLevel(level, connected, callIds, idleProcesses);
    singleCallP95 ??= result.overheadMs.p95;
    const limit = 2 * singleCallP95;
    const passed = result.greeted === level && result.turnsMeasured > 0 && result.overheadMs.p95 < limit;
    levels.push({ ...result, passed });
    const w = result.usage.worker;
    console.log(
      `level ${level}: ${result.greeted} greeted, overhead p50 ${result.overheadMs.p50} p95 ${result.overheadMs.p95} ms (limit ${limit}), worker CPU ${w?.cpuPercent}% RSS ${w?.rssMbMean} MB, ${passed ? 'pass' : 'FAIL'}${result.errors.length ? `; errors: ${result.errors.map((e) => `${e.count}× ${e.message}`).join('; ')}` : ''}`,
    );
    // Stop once it clearly fails: twice in a row, far over the limit, or calls not carried at all.
    const previous = levels.at(-2);
    const clearly =
      result.greeted < level * 0.9 || result.overheadMs.p95 > 3 * singleCallP95 || previous?.passed === false;
    if (!passed && clearly && !KEEP_GOING) break;
  }

  // Every call hung up and ended, and the worker back to its warm pool, before the stack stops.
  const endErrors = errorCounter();
  await Promise.all(connected.map((c) => c.visitor.hangUp().catch((error: unknown) => endErrors.add(error))));
  await waitUntilEnded(callIds, endErrors);
  await waitForWorkerProcesses(idleProcesses);

  let capacity = 0;
  for (const l of levels) {
    if (!l.passed) break;
    capacity = l.level;
  }
  const firstFailure = levels.find((l) => !l.passed)?.level;
  const limitMs = 2 * (singleCallP95 ?? 0);
  const verdict = `Capacity: ${capacity} concurrent call${capacity === 1 ? '' : 's'} (largest level with every call greeted and turn overhead p95 < ${limitMs} ms, twice the single-call p95 of ${singleCallP95} ms${firstFailure ? `; first failed at ${firstFailure}` : '; no level failed'}). Target ≥ ${TARGET}: ${capacity >= TARGET ? 'met' : 'not met'}.`;

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    modelLatencyMs: MODEL_LATENCY_MS,
    vadSilenceMs,
    agentFrom: 'built JavaScript, NODE_ENV=production',
    workerMaxCalls: WORKER_MAX_CALLS,
    idleProcessesSetting: 'the worker default (AGENT_IDLE_PROCESSES)',
    idle: { processes: idleProcesses, usage: idle },
    singleCallOverheadP95Ms: singleCallP95,
    limitMs,
    capacity,
    firstFailure: firstFailure ?? null,
    targetMet: capacity >= TARGET,
    levels,
    hangUpErrors: endErrors.list(),
    benchSeconds: Math.round((Date.now() - benchStarted) / 1000),
  };
  const mb = (l: LevelResult) => l.usage.worker?.rssMbMean ?? 0;
  const perCall = (l: LevelResult) => (l.greeted ? Math.round(mb(l) / l.greeted) : 0);
  const marginal = (l: LevelResult) =>
    l.greeted ? Math.round((mb(l) - (idle.worker?.rssMbMean ?? 0)) / l.greeted) : 0;
  const pssMarginal = (l: LevelResult) =>
    l.greeted ? Math.round(((l.usage.worker?.pssMb ?? 0) - (idle.worker?.pssMb ?? 0)) / l.greeted) : 0;
  /** A percentile of nothing (no call opened or no turn measured at a level) reads as a dash. */
  const ms = (v: number) => (Number.isFinite(v) ? String(v) : '–');
  const cpu = (l: LevelResult, group: string) => l.usage[group]?.cpuPercent ?? 0;
  const table = [
    `Capacity of one worker, realtime mode, on built JavaScript (NODE_ENV=production); model double latency ${MODEL_LATENCY_MS} ms, server VAD window ${vadSilenceMs} ms; worker AGENT_MAX_CALLS=${WORKER_MAX_CALLS} for the run, the default warm pool; per-IP limit and site caps raised. ${cpus().length} cores shared with the rtc-node visitors, the model double (both in the bench process), livekit-server and the API on one host.`,
    '',
    `Idle worker: ${idleProcesses} processes, CPU ${idle.worker?.cpuPercent}% of one core, RSS ${idle.worker?.rssMbMean} MB, PSS ${idle.worker?.pssMb} MB.`,
    '',
    '| calls | greeted | turns | overhead p50 (ms) | overhead p95 (ms) | raw turn p95 (ms) | greeting p95 (ms) | worker CPU % | worker CPU %/call | worker RSS MB | RSS MB/call | RSS MB/call over idle | worker PSS MB | PSS MB/call over idle | bench CPU % | livekit CPU % | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...levels.map(
      (l) =>
        `| ${l.level} | ${l.greeted} | ${l.turnsMeasured} | ${ms(l.overheadMs.p50)} | ${ms(l.overheadMs.p95)} | ${ms(l.rawTurnMs.p95)} | ${ms(l.greetingMs.p95)} | ${cpu(l, 'worker')} | ${l.greeted ? Math.round(cpu(l, 'worker') / l.greeted) : 0} | ${mb(l)} | ${perCall(l)} | ${marginal(l)} | ${l.usage.worker?.pssMb ?? 0} | ${pssMarginal(l)} | ${cpu(l, 'bench')} | ${cpu(l, 'livekit')} | ${l.passed ? 'pass' : 'fail'} |`,
    ),
    '',
    'CPU in percent of one core over the window while the level\'s calls were connected and talking; RSS is the mean over that window, the worker process and all its job processes together (pages they share counted in each); PSS, at the end of the window, splits shared pages among them. "bench" is the process holding every rtc-node visitor and the model double.',
    '',
    verdict,
    ...levels
      .filter((l) => l.errors.length > 0)
      .map((l) => `Errors at ${l.level}: ${l.errors.map((e) => `${e.count}× ${e.message}`).join('; ')}`),
    ...endErrors.list().map((e) => `After the run: ${e.count}× ${e.message}`),
  ].join('\n');
  writeResults('capacity', results, table);
} finally {
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
