/**
 * The staff dashboard in a real Chromium against the real stack (API, livekit-server, worker,
 * recorder, Postgres): first run with the code from the API's log, invitations, sign-in and
 * sign-out, an agent's narrower view, the calls list with search highlights, a recorded call
 * played back with its transcript in step, and the live page showing a call as it is spoken.
 * Every page is screenshotted in light and dark (test-artifacts/dashboard) and checked with
 * axe-core in both.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type SimulatedVisitor, type Stack, startStack } from '@voicedesk/testkit';
import { launchChromium, seriousA11yViolations } from '@voicedesk/testkit/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { fixture } from '../support/fixtures.ts';
import { mintCall } from '../support/mint-call.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_dashboard_test';
const LOG_DIR = join(REPO_ROOT, 'test-artifacts', 'logs', 'dashboard');
const SHOTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');
/** The longest any single wait may take. */
const WAIT_MS = 20_000;
const ADMIN = { name: 'Ada Admin', email: 'ada@example.test', password: 'correct horse battery staple' };
const AGENT = { name: 'Sam Agent', email: 'sam@example.test', password: 'another long passphrase' };
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
  ],
};

interface CallDetail {
  status: string;
  recording: { status: string } | null;
  segments: { speaker: string; text: string; offsetMs: number | null }[];
}

let stack: Stack;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let recordedCallId: string;

/** Screenshots the page in light and dark and fails on any serious or critical axe violation in either. */
async function capture(p: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await p.emulateMedia({ colorScheme: scheme });
    await p.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
    expect(await seriousA11yViolations(p), `${name} (${scheme})`).toEqual([]);
  }
  await p.emulateMedia({ colorScheme: 'light' });
}

/**
 * The one-time set-up code the API prints at start while no admin exists. Read from its log as
 * an operator would; pino writes JSON lines, the code in a field or at the end of the message.
 */
function setupCodeFromLog(): string {
  // The API prints the one-time code in one line (`setupCode`) while no admin exists.
  const lines = readFileSync(join(LOG_DIR, 'api.log'), 'utf8').split('\n').reverse();
  for (const line of lines) {
    if (!line.includes('"setupCode"')) continue;
    const code = (JSON.parse(line) as { setupCode?: unknown }).setupCode;
    if (typeof code === 'string') return code;
  }
  throw new Error('no setup code in the API log');
}

/** A real call through the real worker: greeting, one question, its answer, hang-up. */
async function recordCall(): Promise<string> {
  const call = await mintCall(stack.apiUrl, stack.siteKey, { name: 'Grace Visitor' });
  const visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
  const greeting = await visitor.waitForSpeech({ timeoutMs: 20_000 });
  await visitor.waitForSilence({ after: greeting.startedAt, timeoutMs: 20_000 });
  const said = await visitor.say(fixture('visitor-1.wav'));
  const reply = await visitor.waitForSpeech({ after: said.endedAt, timeoutMs: 20_000 });
  await visitor.waitForSilence({ after: reply.startedAt, timeoutMs: 20_000 });
  await visitor.hangUp();
  await eventually(
    'the call to be stored with its transcript and a playable recording',
    async () => {
      const d = await stack.admin<CallDetail>(`/v1/calls/${call.callId}`);
      return d.recording?.status === 'complete' && d.segments.length >= 3 ? d : undefined;
    },
    { timeoutMs: 20_000 },
  );
  return call.callId;
}

beforeAll(async () => {
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    dataDir: join(REPO_ROOT, '.tmp', 'e2e-dashboard'),
    logDir: LOG_DIR,
    script,
    siteOrigins: [TEST_ORIGIN],
    recording: {},
    env: {
      // The recorder leaves a room with nobody but itself after this (60 s by default), which
      // closes the recording the call-detail test plays.
      RECORDER_IDLE_SECONDS: '3',
      SWEEP_INTERVAL_MS: '500',
    },
  });
  browser = await launchChromium();
  admin = await browser.newContext({ baseURL: stack.apiUrl, viewport: { width: 1280, height: 900 } });
  // Playwright waits up to 30 s by default; nothing here should take longer than 20.
  admin.setDefaultTimeout(WAIT_MS);
  page = await admin.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
  rmSync(join(REPO_ROOT, '.tmp', 'e2e-dashboard'), { recursive: true, force: true });
});

describe('the staff dashboard', () => {
  it('sets up the first admin with the code from the API’s log', async () => {
    await page.goto('/app');
    await page.waitForURL(/\/app\/first-run$/);
    await page.getByRole('heading', { name: 'Set up VoiceDesk' }).waitFor();
    await capture(page, 'first-run');

    await page.getByLabel('Set-up code').fill('not-the-code');
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.getByRole('alert').first().waitFor();
    expect(page.url()).toMatch(/\/app\/first-run$/);

    await page.getByLabel('Set-up code').fill(setupCodeFromLog());
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.waitForURL(/\/app\/settings\/sites$/);
    await expect
      .poll(() => page.getByRole('navigation', { name: 'Main' }).textContent())
      .toContain('Settings');
    await page.getByRole('button', { name: 'Save changes' }).waitFor();
    await capture(page, 'settings-sites');
  });

  it('lets the admin invite staff and create an API key, each secret shown once', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('CRM sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('secret').textContent();
    expect(secret?.length).toBeGreaterThan(20);
    await capture(page, 'settings-api-keys');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    // Exact: the row's revoke button is named "Revoke CRM sync" too.
    await page.getByRole('cell', { name: 'CRM sync', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Staff' }).click();
    const invite = page.getByRole('form', { name: 'Invite a staff member' });
    await invite.getByLabel('Name').fill(AGENT.name);
    await invite.getByLabel('Email').fill(AGENT.email);
    await invite.getByRole('checkbox').first().check();
    await invite.getByRole('button', { name: 'Invite' }).click();
    const inviteUrl = (await page.getByTestId('secret').textContent()) ?? '';
    expect(inviteUrl).toMatch(/\/app\/invite\/[A-Za-z0-9_-]+$/);
    await capture(page, 'settings-staff');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: new RegExp(AGENT.email) }).waitFor();

    // The invited agent, in a browser of their own.
    const agent = await browser.newContext({ baseURL: stack.apiUrl });
    agent.setDefaultTimeout(WAIT_MS);
    const agentPage = await agent.newPage();
    await agentPage.goto(new URL(inviteUrl).pathname);
    await agentPage.getByRole('heading', { name: 'Join your team' }).waitFor();
    await capture(agentPage, 'invite-accept');
    await agentPage.getByLabel('Password').fill(AGENT.password);
    await agentPage.getByRole('button', { name: 'Accept and sign in' }).click();
    await agentPage.waitForURL(/\/app\/calls$/);
    // Agents never see the settings entry, and the address alone does not open them.
    const nav = agentPage.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Calls' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await agentPage.goto('/app/settings/staff');
    await agentPage.getByRole('heading', { name: 'Admins only' }).waitFor();
    await agent.close();

    // The admin takes the agent off their site, then sends a new link (a forgotten password).
    const row = page.getByRole('row', { name: new RegExp(AGENT.email) });
    await row.getByRole('button', { name: `Edit sites of ${AGENT.name}` }).click();
    const sites = page.getByRole('form', { name: `Sites of ${AGENT.name}` });
    await sites.getByRole('checkbox').first().uncheck();
    await sites.getByRole('button', { name: 'Save sites' }).click();
    await row.getByRole('cell', { name: /^None/ }).waitFor();
    await row.getByRole('button', { name: `New invite link for ${AGENT.name}` }).click();
    const newLink = (await page.getByTestId('secret').textContent()) ?? '';
    expect(newLink).toMatch(/\/app\/invite\/[A-Za-z0-9_-]+$/);
    expect(newLink).not.toBe(inviteUrl);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
  });

  it('signs out, refuses a wrong password, and signs back in where the admin was going', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/sign-in/);
    await page.goto('/app/live');
    await page.waitForURL(/\/app\/sign-in\?next=%2Flive$/);
    await capture(page, 'sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password entirely');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/app\/live$/);
  });

  it('lists a recorded call, finds it by what was said with the words highlighted', async () => {
    recordedCallId = await recordCall();
    await page.goto('/app/calls');
    const row = page.getByRole('row', { name: /Grace Visitor/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Completed');
    await page.getByRole('img', { name: /^Calls per day/ }).waitFor();
    await capture(page, 'calls');

    await page.getByLabel('Search transcripts').fill('log in');
    await page.waitForURL(/q=log\+in|q=log%20in/);
    const hit = page.getByRole('row', { name: /Grace Visitor/ });
    await hit.locator('mark').first().waitFor();
    const marked = await hit.locator('mark').allTextContents();
    expect(marked.map((m) => m.toLowerCase())).toContain('log');
    await capture(page, 'calls-search');

    await page.getByLabel('Search transcripts').fill('');
    await page.getByLabel('Status').selectOption('missed');
    await page.getByText('No calls match these filters yet.').waitFor();
  });

  it('plays a call back with its transcript in step: a clicked line seeks there and is highlighted', async () => {
    const detail = await stack.admin<CallDetail>(`/v1/calls/${recordedCallId}`);
    await page.goto(`/app/calls/${recordedCallId}`);
    const waveform = page.getByTestId('waveform');
    await expect.poll(() => waveform.getAttribute('data-ready'), { timeout: 20_000 }).toBe('true');
    const painted = await waveform.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(painted, 'waveform bars drawn from the decoded audio').toBeGreaterThan(100);

    const lines = page.getByRole('list', { name: 'Transcript' }).getByRole('button');
    expect(await lines.count()).toBe(detail.segments.length);
    const index = detail.segments.findIndex((s) => s.speaker === 'ai' && s.text.includes('resetting'));
    const offsetMs = detail.segments[index]?.offsetMs ?? Number.NaN;
    expect(offsetMs).toBeGreaterThan(1000);
    const line = lines.nth(index);
    await line.click();
    const audioAt = await page.locator('audio').evaluate((a: HTMLAudioElement) => a.currentTime * 1000);
    expect(audioAt).toBeGreaterThanOrEqual(offsetMs - 50);
    expect(audioAt).toBeLessThan(offsetMs + 1000);
    await expect.poll(() => line.getAttribute('aria-current')).toBe('true');
    expect(await page.locator('.transcript [aria-current="true"]').count()).toBe(1);
    await capture(page, 'call-detail');
    await page.locator('audio').evaluate((a: HTMLAudioElement) => a.pause());

    // Keyboard: the line buttons take focus and Enter seeks as a click does.
    await lines.nth(0).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => lines.nth(0).getAttribute('aria-current')).toBe('true');
  });

  it('shows a call in progress with its transcript appearing as it is spoken', async () => {
    await page.goto('/app/live');
    await page.getByText('No calls in progress.').waitFor();
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Live$/ })
          .count(),
      )
      .toBe(1);
    const call = await mintCall(stack.apiUrl, stack.siteKey, { name: 'Live Visitor' });
    let visitor: SimulatedVisitor | undefined;
    try {
      visitor = await connectVisitor({ url: call.livekitUrl, token: call.token });
      const card = page.getByRole('article', { name: /Live Visitor/ });
      await card.getByText('How can I help you today?').waitFor({ timeout: 20_000 });
      await capture(page, 'live');
    } finally {
      await visitor?.hangUp();
    }
    await page.getByText('No calls in progress.').waitFor({ timeout: 20_000 });
  });

  it('sends staff to sign-in when their session ends while a page is open', async () => {
    await page.goto('/app/calls');
    // Loaded, not just drawn: a list still loading when the session ends would answer 401 and
    // send the page to sign-in before the click below, which is what this test is about.
    await page.getByRole('row', { name: /Grace Visitor/ }).waitFor();
    await page.getByRole('img', { name: /^Calls per day/ }).waitFor();
    // Signed out elsewhere: the cookie's session is revoked on the server.
    const out = await admin.request.post(`${stack.apiUrl}/v1/auth/logout`, {
      headers: { origin: stack.apiUrl },
    });
    expect(out.status()).toBe(204);
    await page.getByRole('link', { name: 'Live' }).click();
    await page.waitForURL(/\/app\/sign-in\?next=/);
    await page.goto('/app/does-not-exist');
    await page.waitForURL(/\/app\/sign-in/);
  });
});
