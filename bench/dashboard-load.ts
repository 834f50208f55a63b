import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, startStack } from '@voicedesk/testkit';
import { launchChromium } from '@voicedesk/testkit/browser';
import type { BrowserContext } from 'playwright-core';
import postgres from 'postgres';
import { writeResults } from './results-file.ts';
import { summary } from './stats.ts';

/**
 * What staff wait for in the dashboard, in Debian's Chromium against the real stack on localhost:
 * 1. the built bundle (apps/dashboard/dist, `npm run build` first) and what the sign-in page
 *    actually downloads;
 * 2. navigation start → the sign-in form usable, and (signed in) → the calls table with rows,
 *    each run in a fresh browser context, so the HTTP cache is cold every time;
 * 3. a segment's end of speech, and its row being stored, → its line on the Live page, over a
 *    real call (a simulated visitor speaking the fixture WAVs to the worker and model double).
 */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'voicedesk_bench_dashboard_load_test';
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 20);
/** Real calls spoken while the Live page is open, five transcript segments each. */
const LIVE_CALLS = Number(process.env.BENCH_LIVE_CALLS ?? 3);
const WAIT_MS = 20_000;
const DIST = join(REPO_ROOT, 'apps', 'dashboard', 'dist');
const LOG_DIR = join(REPO_ROOT, 'bench', 'results', 'logs-dashboard-load');
const ADMIN = { name: 'Ada Admin', email: 'ada@example.test', password: 'correct horse battery staple' };
const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures');
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

// 1. The bundle on disk: every file the build wrote, compressed as the API would send it.
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}
const bundle = filesUnder(DIST)
  .filter((f) => !f.endsWith('.gz') && !f.endsWith('.br'))
  .map((f) => {
    const body = readFileSync(f);
    return {
      file: relative(DIST, f),
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  })
  .sort((a, b) => b.raw - a.raw);

/** What a page downloaded, from its own resource timing: bytes on the wire and decoded. */
interface Loaded {
  files: { name: string; encoded: number; decoded: number }[];
  /** Navigation timing: the HTML's last byte and DOMContentLoaded (its deferred module ran). */
  responseEnd: number;
  domContentLoaded: number;
}

const databaseUrl = await recreateTestDatabase(POSTGRES, DB);
const stack = await startStack({
  databaseUrl,
  logDir: LOG_DIR,
  script,
  siteOrigins: ['https://shop.example.test'],
  // The first-run set-up code is logged at warn, so the log must not be quieter than that.
  env: { LOG_LEVEL: 'warn', CALL_RATE_LIMIT_PER_MINUTE: '1000000' },
});
const browser = await launchChromium();

/** The one-time set-up code the API logs while no admin exists (pino JSON lines). */
function setupCodeFromLog(): string {
  for (const line of readFileSync(join(LOG_DIR, 'api.log'), 'utf8').split('\n').reverse()) {
    if (!line.includes('"setupCode"')) continue;
    const code = (JSON.parse(line) as { setupCode?: unknown }).setupCode;
    if (typeof code === 'string') return code;
  }
  throw new Error('no setup code in the API log');
}

async function freshContext(storageState?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  const context = await browser.newContext({
    baseURL: stack.apiUrl,
    viewport: { width: 1280, height: 900 },
    ...(storageState ? { storageState } : {}),
  });
  context.setDefaultTimeout(WAIT_MS);
  return context;
}

/**
 * Milliseconds from navigation start (performance.timeOrigin) until `ready()` first holds in the
 * page, checked on every DOM change and animation frame, so the figure is the page's own clock.
 */
async function timeTo(
  context: BrowserContext,
  path: string,
  ready: string,
): Promise<{ ms: number; loaded: Loaded }> {
  await context.addInitScript(`
    (() => {
      const ready = ${ready};
      const check = () => {
        if (window.__readyAt !== undefined) return;
        try { if (ready()) window.__readyAt = performance.now(); } catch {}
      };
      new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
      const frame = () => { check(); if (window.__readyAt === undefined) requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    })();
  `);
  const page = await context.newPage();
  await page.goto(path);
  await page.waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt !== undefined);
  const ms = await page.evaluate(() => (window as unknown as { __readyAt: number }).__readyAt);
  const loaded = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return {
      files: (
        [
          ...performance.getEntriesByType('navigation'),
          ...performance.getEntriesByType('resource'),
        ] as PerformanceResourceTiming[]
      ).map((e) => ({
        name: new URL(e.name).pathname,
        encoded: e.encodedBodySize,
        decoded: e.decodedBodySize,
      })),
      responseEnd: nav?.responseEnd ?? Number.NaN,
      domContentLoaded: nav?.domContentLoadedEventEnd ?? Number.NaN,
    };
  });
  await page.close();
  return { ms, loaded };
}

/** The sign-in form usable: its email field takes focus and its submit button is enabled. */
const SIGN_IN_READY = `() => {
  const email = document.querySelector('form[aria-label="Sign in"] input[name="email"]');
  const submit = document.querySelector('form[aria-label="Sign in"] button[type="submit"]');
  if (!email || !submit || submit.disabled || email.disabled) return false;
  email.focus();
  return document.activeElement === email;
}`;
/** The calls table drawn with the benchmark's call in its body. */
const CALLS_READY = `() => [...document.querySelectorAll('table tbody tr')].some((r) => r.textContent.includes('Live Visitor'))`;

try {
  // The first admin, created as the first-run page does, then the session reused for each run.
  const setupContext = await freshContext();
  const setup = await setupContext.request.post('/v1/auth/setup', {
    headers: { origin: stack.apiUrl },
    data: { code: setupCodeFromLog(), ...ADMIN },
  });
  if (setup.status() !== 201) throw new Error(`setup answered ${setup.status()}: ${await setup.text()}`);
  const signedIn = await setupContext.storageState();
  await setupContext.close();

  // 2a. Sign-in page, signed out, cold cache.
  const signInMs: number[] = [];
  const signInRuns: Loaded[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await freshContext();
    const run = await timeTo(context, '/app/sign-in', SIGN_IN_READY);
    signInMs.push(run.ms);
    signInRuns.push(run.loaded);
    await context.close();
    process.stdout.write(`sign-in ${i + 1}/${RUNS}: usable after ${Math.round(run.ms)} ms\n`);
  }

  // 3. Live page open, a real call spoken into it; each line's appearance timed in the page.
  const liveContext = await freshContext(signedIn);
  const live = await liveContext.newPage();
  await live.goto('/app/live');
  await live.getByText('No calls in progress.').waitFor();
  await live
    .getByRole('status')
    .filter({ hasText: /^Live$/ })
    .waitFor();
  // A string, not a function: tsx's name helpers do not exist in the page.
  await live.evaluate(`
    (() => {
      const seen = new Map();
      window.__lines = seen;
      const check = () => {
        const at = performance.timeOrigin + performance.now();
        for (const p of document.querySelectorAll('[role="log"] p')) {
          // The line is "<speaker>:<text>"; keyed by its call's card and its text.
          const card = p.closest('article')?.getAttribute('aria-labelledby');
          const key = card + '|' + (p.textContent ?? '').replace(/^[^:]*:/, '');
          if (!seen.has(key)) seen.set(key, at);
        }
      };
      new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true });
    })()
  `);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const expected = [script.greeting.text, ...script.turns.flatMap((t) => [t.transcriptOfUser, t.text])];
  const spokenToShown: number[] = [];
  const storedToShown: number[] = [];
  for (let n = 1; n <= LIVE_CALLS; n++) {
    const res = await fetch(`${stack.apiUrl}/v1/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://shop.example.test' },
      body: JSON.stringify({ siteKey: stack.siteKey, name: `Live Visitor ${n}` }),
    });
    if (res.status !== 201) throw new Error(`POST /v1/calls answered ${res.status}`);
    const call = (await res.json()) as { callId: string; token: string; livekitUrl: string };
    const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
    try {
      const greeting = await visitor.waitForSpeech({ timeoutMs: WAIT_MS });
      await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: WAIT_MS });
      for (const wav of ['visitor-1.wav', 'visitor-2.wav']) {
        const said = await visitor.say(join(FIXTURES, wav));
        const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: WAIT_MS });
        await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: WAIT_MS });
      }
    } finally {
      await visitor.hangUp();
    }
    const key = (text: string) => `live-${call.callId}|${text}`;
    await live.waitForFunction(
      (keys) => keys.every((k) => (window as unknown as { __lines: Map<string, number> }).__lines.has(k)),
      expected.map(key),
    );
    const shown = new Map(
      await live.evaluate(() => [...(window as unknown as { __lines: Map<string, number> }).__lines]),
    );
    const rows = await sql<{ text: string; endedMs: number; storedMs: number }[]>`
      select text, extract(epoch from ended_at) * 1000 as "endedMs",
        extract(epoch from created_at) * 1000 as "storedMs"
      from transcript_segments where call_id = ${call.callId} order by seq`;
    for (const r of rows) {
      spokenToShown.push((shown.get(key(r.text)) ?? Number.NaN) - Number(r.endedMs));
      storedToShown.push((shown.get(key(r.text)) ?? Number.NaN) - Number(r.storedMs));
    }
    if (
      rows.length < expected.length ||
      [...spokenToShown, ...storedToShown].some((v) => !Number.isFinite(v))
    )
      throw new Error(`segments not all shown: ${JSON.stringify({ rows, shown: [...shown] })}`);
    process.stdout.write(`live call ${n}/${LIVE_CALLS}: ${rows.length} segments shown\n`);
    // The next call starts on an empty Live page, as the first did.
    await live.getByText('No calls in progress.').waitFor();
  }
  await sql.end({ timeout: 5 });
  await liveContext.close();

  // 2b. Calls list, signed in, cold cache (the call above is its row).
  const callsMs: number[] = [];
  const callsRuns: Loaded[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await freshContext(signedIn);
    const run = await timeTo(context, '/app/calls', CALLS_READY);
    callsMs.push(run.ms);
    callsRuns.push(run.loaded);
    await context.close();
    process.stdout.write(`calls ${i + 1}/${RUNS}: table with rows after ${Math.round(run.ms)} ms\n`);
  }

  // What the sign-in page fetched from the dashboard's own files (its API calls aside).
  const signInLoaded = signInRuns.at(-1) ?? {
    files: [],
    responseEnd: Number.NaN,
    domContentLoaded: Number.NaN,
  };
  const signInAssets = signInLoaded.files.filter((f) => f.name.startsWith('/app/'));
  const signInBundle = bundle.filter((b) =>
    signInAssets.some(
      (f) => f.name === `/app/${b.file}` || (b.file === 'index.html' && f.name === '/app/sign-in'),
    ),
  );
  const total = (key: 'raw' | 'gzip' | 'brotli') => signInBundle.reduce((n, b) => n + b[key], 0);
  const results = {
    date: new Date().toISOString(),
    runs: RUNS,
    bundle,
    signInPage: {
      files: signInLoaded.files,
      raw: total('raw'),
      gzip: total('gzip'),
      brotli: total('brotli'),
      bytesReceivedByChromium: signInAssets.reduce((n, f) => n + f.encoded, 0),
    },
    navigationToSignInUsableMs: summary(signInMs),
    signInHtmlResponseEndMs: summary(signInRuns.map((r) => r.responseEnd)),
    signInDomContentLoadedMs: summary(signInRuns.map((r) => r.domContentLoaded)),
    navigationToCallsTableMs: summary(callsMs),
    callsPageApiRequests: callsRuns
      .at(-1)
      ?.files.filter((f) => f.name.startsWith('/v1/'))
      .map((f) => f.name),
    liveTranscript: {
      calls: LIVE_CALLS,
      spokenEndToShownMs: summary(spokenToShown),
      storedToShownMs: summary(storedToShown),
    },
  };
  const s = (x: ReturnType<typeof summary>) => `${x.n} | ${x.p50} | ${x.p95}`;
  const p = results.signInPage;
  const table = [
    '| dashboard file | raw bytes | gzip bytes | brotli bytes |',
    '| --- | --- | --- | --- |',
    ...bundle.map((b) => `| ${b.file} | ${b.raw} | ${b.gzip} | ${b.brotli} |`),
    `| **sign-in page total** (${signInBundle.length} files; Chromium received ${p.bytesReceivedByChromium}) | ${p.raw} | ${p.gzip} | ${p.brotli} |`,
    '',
    `Chromium on localhost, a fresh context (cold HTTP cache) per run; the model double answers the call.`,
    '',
    '| measure (ms) | n | p50 | p95 |',
    '| --- | --- | --- | --- |',
    `| navigation → sign-in form usable (email focusable, submit enabled) | ${s(results.navigationToSignInUsableMs)} |`,
    `| (navigation → sign-in DOMContentLoaded) | ${s(results.signInDomContentLoadedMs)} |`,
    `| navigation → calls table with rows (signed in) | ${s(results.navigationToCallsTableMs)} |`,
    `| live transcript: segment's end of speech → line on the Live page | ${s(results.liveTranscript.spokenEndToShownMs)} |`,
    `| live transcript: segment stored → line on the Live page | ${s(results.liveTranscript.storedToShownMs)} |`,
  ].join('\n');
  writeResults('dashboard-load', results, table);
} finally {
  await browser.close();
  await stack.stop();
  await dropTestDatabase(POSTGRES, DB).catch(() => {});
}
process.exit(0);
