import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { REPO_ROOT, startStack } from '@voicedesk/testkit';
import {
  fakeMicrophoneWav,
  launchChromium,
  startHostPage,
  type WidgetRecord,
} from '@voicedesk/testkit/browser';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * What a visitor waits for: from pressing the call button in Chromium to the first greeting
 * audio playing in the page, on localhost. Each call runs in a fresh browser context, so the
 * call module is downloaded cold every time, as for a first-time visitor.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_widget_test';
const MODEL_LATENCY_MS = Number(process.env.BENCH_MODEL_LATENCY_MS ?? 300);
const CALLS = Number(process.env.BENCH_WIDGET_CALLS ?? 10);

const host = await startHostPage();
const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-widget'),
  modelLatencyMs: MODEL_LATENCY_MS,
  siteOrigins: [host.origin],
  env: { CALL_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' },
});
host.embed(`${stack.apiUrl}/widget.js`, stack.siteKey);
// The visitor stays quiet for the whole measurement.
const browser = await launchChromium({
  wav: fakeMicrophoneWav(join(REPO_ROOT, 'tests', 'fixtures', 'visitor-1.wav'), 60),
});

async function callEnded(callId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { status } = await stack.admin<{ status: string }>(`/v1/calls/${callId}`);
    if (['completed', 'missed', 'failed'].includes(status)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`call ${callId} did not end`);
}

try {
  const pressToGreetingMs: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    const read = () => page.evaluate(() => (window as unknown as { __vd: WidgetRecord }).__vd);
    await page.waitForFunction(
      () => (window as unknown as { __vd: WidgetRecord }).__vd.firstAudioAt.length > 0,
      null,
      {
        timeout: 30_000,
      },
    );
    const record = await read();
    const ms = (record.firstAudioAt[0] ?? Number.NaN) - (record.pressedAt[0] ?? Number.NaN);
    pressToGreetingMs.push(ms);
    await page.getByRole('button', { name: 'Hang up' }).click();
    if (record.calls[0]) await callEnded(record.calls[0]);
    await context.close();
    process.stdout.write(`widget call ${i + 1}/${CALLS}: greeting after ${Math.round(ms)} ms\n`);
  }

  const results = {
    date: new Date().toISOString(),
    modelLatencyMs: MODEL_LATENCY_MS,
    pressToFirstGreetingAudioMs: summary(pressToGreetingMs),
  };
  const s = results.pressToFirstGreetingAudioMs;
  const table = [
    `Chromium on localhost, cold call module per call, model double latency ${MODEL_LATENCY_MS} ms.`,
    '',
    '| measure (ms) | n | p50 | p95 |',
    '| --- | --- | --- | --- |',
    `| button press → first greeting audio in the page | ${s.n} | ${s.p50} | ${s.p95} |`,
  ].join('\n');
  writeResults('widget-call', results, table);
} finally {
  await browser.close();
  await host.close();
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
