import { join } from 'node:path';
import { dropTestDatabase, openDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, escalationScript, REPO_ROOT, startStack } from '@voicedesk/testkit';
import { fakeMicrophoneWav, launchChromium } from '@voicedesk/testkit/browser';
import { setAvailability } from '../apps/api/src/services/escalations/availability.ts';
import { addStaff } from '../apps/api/src/testing/staff-fixtures.ts';
import { isEvent, openSse, type SseClient } from '../tests/support/sse-client.ts';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * Issue 14's two figures, against the real stack on one host (API, Postgres, livekit-server,
 * worker and model double):
 * 1. offer latency: the escalation stored (its `requestedAt`) → the `offer` event received by
 *    each of 200 connected SSE clients (signed-in, available staff), and → the offer card shown
 *    in one real dashboard page in Chromium;
 * 2. accept → staff audio heard: the Accept click in that page → the visitor (rtc-node) hearing
 *    the staff member's microphone (Chromium's fake device, speech from its first second).
 * Each round is a real call: the visitor asks the worker for a person, the model double calls
 * `transfer_to_human`, the API rings; the staff member accepts, is heard, ends the call.
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_escalation_test';
const ROUNDS = Number(process.env.BENCH_ESCALATION_ROUNDS ?? 20);
const CLIENTS = Number(process.env.BENCH_ESCALATION_CLIENTS ?? 200);
const WAIT_MS = 20_000;
const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures');

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: join(REPO_ROOT, 'bench', 'results', 'logs-escalation'),
  script: escalationScript,
  siteOrigins: ['https://shop.example.test'],
  env: { LOG_LEVEL: 'warn', CALL_RATE_LIMIT_PER_MINUTE: '1000000' },
});
const db = await openDatabase({ kind: 'postgres', url: databaseUrl }, { maxConnections: 4 });

// The staff: CLIENTS signed in over SSE, plus one in a real page; all available.
const clients: SseClient[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const staff = await addStaff(db.db, { email: `staff${i}@example.test`, role: 'admin' });
  await setAvailability(db.db, staff.id, true, new Date());
  const sse = await openSse(`${stack.apiUrl}/v1/live/events`, { cookie: `vd_session=${staff.token}` });
  if (sse.status !== 200) throw new Error(`SSE client ${i}: HTTP ${sse.status}`);
  clients.push(sse);
}
const pageStaff = await addStaff(db.db, { email: 'ana@example.test', role: 'admin' });
const browser = await launchChromium({ wav: fakeMicrophoneWav(join(FIXTURES, 'staff-1.wav'), 0.2) });
const context = await browser.newContext({ baseURL: stack.apiUrl });
context.setDefaultTimeout(WAIT_MS);
await context.addCookies([{ name: 'vd_session', value: pageStaff.token, url: stack.apiUrl }]);
// When the offer card enters the page, by the page's own clock (the same host's).
await context.addInitScript(() => {
  const w = window as unknown as { offerShownAt?: number };
  new MutationObserver(() => {
    if (w.offerShownAt === undefined && document.querySelector('[aria-label="Incoming call"]')) {
      w.offerShownAt = Date.now();
    }
  }).observe(document, { childList: true, subtree: true });
});
const page = await context.newPage();
await page.goto('/app/calls');
const available = page.getByRole('switch', { name: 'Available for calls' });
await available.click();
await page.waitForFunction(
  () => document.querySelector('[role="switch"]')?.getAttribute('aria-checked') === 'true',
);

const toClients: number[] = [];
const toPage: number[] = [];
const acceptToHeard: number[] = [];
type OfferData = { escalation: { id: string; requestedAt: string } };

for (let round = 0; round < ROUNDS; round++) {
  await page.goto('/app/calls');
  await page.evaluate(() => {
    (window as unknown as { offerShownAt?: number }).offerShownAt = undefined;
  });
  const res = await fetch(`${stack.apiUrl}/v1/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://shop.example.test' },
    body: JSON.stringify({ siteKey: stack.siteKey }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/calls: HTTP ${res.status}`);
  const call = (await res.json()) as { callId: string; token: string; livekitUrl: string };
  const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: WAIT_MS });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: WAIT_MS });
  const offered = isEvent('offer', (d: OfferData) => d.escalation.requestedAt !== undefined);
  const since = Date.now();
  await visitor.say(join(FIXTURES, 'visitor-human.wav'));

  const offers = await Promise.all(clients.map((c) => c.next((m) => m.at >= since && offered(m), WAIT_MS)));
  for (const m of offers) {
    const data = JSON.parse(m.data) as OfferData;
    toClients.push(m.at - Date.parse(data.escalation.requestedAt));
  }
  const requestedAt = Date.parse((JSON.parse(offers[0]?.data ?? '{}') as OfferData).escalation.requestedAt);
  const card = page.getByRole('region', { name: 'Incoming call' });
  await card.waitFor();
  const shownAt = await page.evaluate(() => (window as unknown as { offerShownAt?: number }).offerShownAt);
  if (shownAt !== undefined) toPage.push(shownAt - requestedAt);

  const clickedAt = Date.now();
  await card.getByRole('button', { name: 'Accept' }).click();
  const heard = await visitor.waitForSpeech({ from: 'staff-', after: clickedAt, timeoutMs: WAIT_MS });
  acceptToHeard.push(heard.startedAt - clickedAt);

  await page.getByRole('button', { name: 'End call' }).click();
  await visitor.hangUp();
  process.stdout.write(`round ${round + 1}/${ROUNDS}\n`);
}

const results = {
  rounds: ROUNDS,
  sseClients: CLIENTS,
  offerToSseClientsMs: summary(toClients),
  offerToPageMs: summary(toPage),
  acceptToStaffAudioHeardMs: summary(acceptToHeard),
};
const row = (label: string, s: ReturnType<typeof summary>) =>
  `| ${label} | ${s.n} | ${s.p50} | ${s.p95} | ${s.max} |`;
const table = [
  `Escalation (${ROUNDS} real calls; ${CLIENTS} SSE staff clients + 1 Chromium page)`,
  '',
  '| measure (ms) | n | p50 | p95 | max |',
  '| --- | --- | --- | --- | --- |',
  row('escalation stored → offer at each SSE client', results.offerToSseClientsMs),
  row('escalation stored → offer card shown in the page', results.offerToPageMs),
  row('Accept clicked → staff audio heard by the visitor', results.acceptToStaffAudioHeardMs),
].join('\n');
writeResults('escalation', results, table);

for (const c of clients) c.close();
await browser.close();
await db.close();
await stack.stop();
await dropTestDatabase(POSTGRES, DB).catch(() => {});
// rtc-node keeps native handles open after the visitors hang up.
process.exit(0);
