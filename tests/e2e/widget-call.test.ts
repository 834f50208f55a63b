import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { encodeWav, REPO_ROOT, readWav, type Stack, startStack } from '@voicedesk/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { launchChromium } from '../support/browser.ts';
import { fixture } from '../support/fixtures.ts';
import { startHostPage } from '../support/host-page.ts';
import { eventually } from '../support/poll.ts';

const DB = 'voicedesk_e2e_widget_test';
const SHOTS = join(REPO_ROOT, 'test-artifacts', 'widget');
const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
  ],
};

let stack: Stack;
let host: Awaited<ReturnType<typeof startHostPage>>;
let browser: Browser;

/** The fake microphone: eight seconds of quiet (the whole greeting plays), then the visitor's question. */
function microphoneWav(): string {
  const speech = readWav(fixture('visitor-1.wav'));
  const samples = new Int16Array(speech.sampleRate * 8 + speech.samples.length);
  samples.set(speech.samples, speech.sampleRate * 8);
  const path = join(tmpdir(), 'voicedesk-fake-mic.wav');
  writeFileSync(path, encodeWav({ sampleRate: speech.sampleRate, samples }));
  return path;
}

type Recorded = {
  states: { state: string; text: string; callId?: string }[];
  captions: string[];
  maxLevel: number;
};
const recorded = (page: Page) => page.evaluate(() => (window as unknown as { __vd: Recorded }).__vd);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  host = await startHostPage();
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'widget-call'),
    script,
    siteOrigins: [host.origin],
  });
  host.embed(`${stack.apiUrl}/widget.js`, stack.siteKey);
  browser = await launchChromium({ wav: microphoneWav() });
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

describe('the call button on a customer site', () => {
  it('calls the assistant from a real browser: greeting heard, question answered, captions, hang-up stored', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    const button = page.getByRole('button', { name: /start a voice call/i });
    await button.waitFor();
    await page.screenshot({ path: join(SHOTS, 'idle.png') });
    await button.click();

    await eventually('the widget to be in the call', async () =>
      (await recorded(page)).states.some((s) => s.state === 'in-call') ? true : undefined,
    );
    await page.screenshot({ path: join(SHOTS, 'in-call.png') });
    await eventually('the greeting to be heard in the page', async () =>
      (await recorded(page)).maxLevel > 0.02 ? true : undefined,
    );
    await eventually(
      'the answer to the visitor to appear as a caption',
      async () =>
        (await recorded(page)).captions.some((c) => c.includes('resetting your password')) ? true : undefined,
      { timeoutMs: 30_000 },
    );
    await page.screenshot({ path: join(SHOTS, 'caption.png') });

    await page.getByRole('button', { name: 'Hang up' }).click();
    const states = (await recorded(page)).states;
    await eventually('the ended state', async () =>
      (await recorded(page)).states.some((s) => s.state === 'ended') ? true : undefined,
    );
    await page.screenshot({ path: join(SHOTS, 'ended.png') });
    await expect(page.getByRole('button', { name: 'Call again' })).toBeDefined();

    const callId = states.find((s) => s.callId)?.callId;
    expect(callId).toBeTruthy();
    const detail = await eventually('the call to be completed with its transcript', async () => {
      const res = await fetch(`${stack.apiUrl}/v1/calls/${callId}`, {
        headers: { authorization: `Bearer ${stack.adminApiKey}` },
      });
      const d = (await res.json()) as { status: string; segments: { speaker: string; text: string }[] };
      return d.status === 'completed' && d.segments.some((s) => s.speaker === 'visitor') ? d : undefined;
    });
    expect(detail.segments.map((s) => s.text)).toEqual(
      expect.arrayContaining([
        script.greeting.text,
        script.turns[0]?.transcriptOfUser,
        script.turns[0]?.text,
      ]),
    );
    await page.close();
  });

  it('tells the visitor when the site key is unknown', async () => {
    const other = await startHostPage();
    other.embed(`${stack.apiUrl}/widget.js`, 'pk_unknown_000000');
    const page = await browser.newPage();
    try {
      await page.goto(other.url);
      await page.getByRole('button', { name: /talk to support/i }).click();
      await expect
        .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
        .toContain('not set up for this website');
      await page.screenshot({ path: join(SHOTS, 'error-unknown-site.png') });
    } finally {
      await page.close();
      await other.close();
    }
  });

  it('tells the visitor when the microphone is blocked', async () => {
    const denied = await launchChromium({ fakeUi: false });
    try {
      const context = await denied.newContext({ permissions: [] });
      const page = await context.newPage();
      await page.goto(host.url);
      await page.getByRole('button', { name: /start a voice call/i }).click();
      await expect
        .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
        .toContain('Microphone access was blocked');
      await page.screenshot({ path: join(SHOTS, 'error-mic-denied.png') });
    } finally {
      await denied.close();
    }
  });
});
