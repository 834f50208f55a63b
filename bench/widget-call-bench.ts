import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { REPO_ROOT, startStack } from '@voicedesk/testkit';
import {
  fakeMicrophoneWav,
  launchChromium,
  startHostPage,
  type WidgetRecord,
} from '@voicedesk/testkit/browser';
import type { Browser } from 'playwright-core';
import { callMetrics } from './bench-call.ts';
import { BUILT_ENTRYPOINTS } from './built-entrypoints.ts';
import { primeGreeting } from './prime-greeting.ts';
import { writeResults } from './results-file.ts';
import { type SetupValues, setupBreakdown } from './setup-breakdown.ts';
import { summary } from './stats.ts';

/**
 * What a visitor waits for: from pressing the call button in Chromium to the first greeting
 * audio playing in the page, on localhost, with the steps in between from the widget's `trace`
 * events. Each call runs in a fresh browser context (nothing cached: a first-time visitor), at
 * each model latency, in three schedules: pressed as soon as the page is up, calls back to back;
 * the same 3 s apart; and pressed after the page was open 3 s (the usual case: the widget has
 * warmed up while the visitor read the page).
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_widget_test';
const MODEL_LATENCIES_MS = (process.env.BENCH_MODEL_LATENCIES_MS ?? '0,300').split(',').map(Number);
const CALLS = Number(process.env.BENCH_WIDGET_CALLS ?? 20);
const GREETING_TIMEOUT_MS = 30_000;

interface Schedule {
  name: string;
  /** Pause after a call's hang-up before the next page opens. */
  gapMs: number;
  /** How long the page is open before the press. */
  openForMs: number;
}
const SCHEDULES: Schedule[] = [
  { name: 'cold, back to back', gapMs: 0, openForMs: 0 },
  { name: 'cold, 3 s apart', gapMs: 3_000, openForMs: 0 },
  { name: 'page open 3 s', gapMs: 0, openForMs: 3_000 },
];

/** Each row: its label and how to read it from one call's trace (ms since the press). */
const ROWS: Array<[string, (t: Record<string, number>) => number | undefined]> = [
  ['press → POST /v1/calls answered', (t) => t['call-minted']],
  ['press → call module ready', (t) => t['module-ready']],
  ['press → microphone granted', (t) => t['mic-granted']],
  ['press → room.connect() start', (t) => t['room-connecting']],
  ['room.connect() start → resolved', (t) => diff(t['room-connected'], t['room-connecting'])],
  ['room.connect() resolved → microphone published', (t) => diff(t['mic-live'], t['room-connected'])],
  // The assistant greets once it hears the visitor's track (or after 2 s without it).
  ['microphone published → first greeting audio', (t) => diff(t['first-audio'], t['mic-live'])],
  ['room.connect() resolved → first greeting audio', (t) => diff(t['first-audio'], t['room-connected'])],
  ['**press → first greeting audio**', (t) => t['first-audio']],
];
const diff = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a - b;

const host = await startHostPage();
const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-widget'),
  modelLatencyMs: MODEL_LATENCIES_MS[0] ?? 0,
  siteOrigins: [host.origin],
  entrypoints: BUILT_ENTRYPOINTS,
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' },
});
await primeGreeting({ ...stack, origin: host.origin });
host.embed(`${stack.apiUrl}/widget.js`, stack.siteKey);
// The visitor stays quiet for the whole measurement.
const browser = await launchChromium({
  wav: fakeMicrophoneWav(join(REPO_ROOT, 'tests', 'fixtures', 'visitor-1.wav'), 60),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The assistant's side of one call from the press: the API's `press` metric dates the press on
 * the host's clock (the widget sends how long before its POST it was), and the worker's `setup`
 * metric dates each step after it. Read once the schedule's calls are over, so the reads cost
 * the calls nothing.
 */
async function workerSide(callId: string, trace: Record<string, number>) {
  const metrics = await callMetrics(stack, callId, (all) => {
    const press = all.find((m) => m.kind === 'press')?.values;
    const setup = all.find((m) => m.kind === 'setup')?.values;
    return press && setup ? { press, setup } : undefined;
  });
  const pressedAt = metrics?.press.pressedAt;
  const heard = trace['first-audio'];
  if (!metrics || typeof pressedAt !== 'number' || heard === undefined) return undefined;
  const setup: SetupValues = { ...metrics.setup, postAt: metrics.press.receivedAt ?? null };
  return { t0: pressedAt, setup, heardAt: pressedAt + heard };
}

/** A markdown table with one column per schedule: p50 / p95 in each cell, – where there is none. */
function scheduleTable(
  heading: string,
  labels: string[],
  cells: Record<string, Record<string, { p50: number; p95: number }>>,
): string[] {
  return [
    `| ${heading} | ${SCHEDULES.map((s) => s.name).join(' | ')} |`,
    `| --- | ${SCHEDULES.map(() => '---').join(' | ')} |`,
    ...labels.map((label) => {
      const row = SCHEDULES.map((s) => {
        const v = cells[label]?.[s.name];
        return v ? `${v.p50} / ${v.p95}` : '–';
      });
      return `| ${label} | ${row.join(' | ')} |`;
    }),
  ];
}

async function callEnded(callId: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { status } = await stack.admin<{ status: string }>(`/v1/calls/${callId}`);
    if (['completed', 'missed', 'failed'].includes(status)) return;
    await sleep(200);
  }
  throw new Error(`call ${callId} did not end`);
}

/** One visitor: a new context, the page, the press, the greeting, the hang-up. */
async function oneCall(
  b: Browser,
  schedule: Schedule,
): Promise<{ trace: Record<string, number>; callId: string }> {
  const context = await b.newContext();
  try {
    const page = await context.newPage();
    await page.goto(host.url);
    const button = page.getByRole('button', { name: /start a voice call/i });
    await button.waitFor();
    if (schedule.openForMs) await sleep(schedule.openForMs);
    await button.click();
    // A call with no greeting in time is counted as such, and the run goes on.
    await page
      .waitForFunction(
        () => 'first-audio' in ((window as unknown as { __vd: WidgetRecord }).__vd.traces[0] ?? {}),
        null,
        { timeout: GREETING_TIMEOUT_MS },
      )
      .catch(() => undefined);
    const record = await page.evaluate(() => (window as unknown as { __vd: WidgetRecord }).__vd);
    const hangUp = page.getByRole('button', { name: 'Hang up' });
    if (await hangUp.isVisible()) await hangUp.click();
    return { trace: record.traces[0] ?? {}, callId: record.calls[0] ?? '' };
  } finally {
    await context.close();
  }
}

try {
  const results: Record<string, unknown> = {};
  const tables: string[] = [];
  for (const latency of MODEL_LATENCIES_MS) {
    stack.double?.setLatency(latency);
    const byRow: Record<string, Record<string, ReturnType<typeof summary>>> = {};
    const byStep: Record<string, Record<string, ReturnType<typeof summary>>> = {};
    const missed: Record<string, number> = {};
    const raw: Record<string, Record<string, number>[]> = {};
    for (const schedule of SCHEDULES) {
      const calls: { trace: Record<string, number>; callId: string }[] = [];
      const ending: Promise<void>[] = [];
      for (let i = 0; i < CALLS; i++) {
        const { trace, callId } = await oneCall(browser, schedule);
        calls.push({ trace, callId });
        // Back to back: the next visitor presses while this call is still being torn down.
        if (callId) ending.push(callEnded(callId));
        process.stdout.write(
          `model ${latency} ms, ${schedule.name}, call ${i + 1}/${CALLS}: greeting after ${trace['first-audio']} ms, connect ${diff(trace['room-connected'], trace['room-connecting'])} ms\n`,
        );
        if (schedule.gapMs) await sleep(schedule.gapMs);
      }
      await Promise.all(ending);
      const sides = await Promise.all(
        calls.map((c) => (c.callId ? workerSide(c.callId, c.trace) : undefined)),
      );
      for (const row of setupBreakdown(sides.filter((c) => c !== undefined))) {
        byStep[row.label] = { ...byStep[row.label], [schedule.name]: row };
      }
      const traces = calls.map((c) => c.trace);
      missed[schedule.name] = traces.filter((t) => t['first-audio'] === undefined).length;
      raw[schedule.name] = traces;
      for (const [label, read] of ROWS) {
        const values = traces.map(read).filter((v): v is number => v !== undefined);
        byRow[label] = { ...byRow[label], [schedule.name]: summary(values) };
      }
    }
    results[`model ${latency} ms`] = { summary: byRow, workerSide: byStep, noGreeting: missed, traces: raw };
    tables.push(
      [
        `Model double latency ${latency} ms; ${CALLS} calls per column, each in a fresh browser context.`,
        '',
        ...scheduleTable(
          'measure (ms, p50 / p95)',
          ROWS.map(([label]) => label),
          byRow,
        ),
        `| calls with no greeting within ${GREETING_TIMEOUT_MS / 1000} s (left out above) | ${SCHEDULES.map((s) => missed[s.name] ?? 0).join(' | ')} |`,
        '',
        "The same calls from the assistant's side (the API's press time and the worker's setup trace):",
        '',
        ...scheduleTable('press → … (ms, p50 / p95)', Object.keys(byStep), byStep),
      ].join('\n'),
    );
  }
  writeResults(
    'widget-call',
    { date: new Date().toISOString(), calls: CALLS, schedules: SCHEDULES, results },
    [
      "Chromium on localhost, button press → first greeting audio, and the steps between (the widget's trace).",
      '',
      tables.join('\n\n'),
    ].join('\n'),
  );
} finally {
  await browser.close();
  await host.close();
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
