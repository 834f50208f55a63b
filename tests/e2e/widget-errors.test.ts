import { join } from 'node:path';
import { type DatabaseHandle, newId, openDatabase, sites } from '@voicedesk/db';
import {
  findFreePort,
  type LivekitServer,
  REPO_ROOT,
  type Stack,
  startLivekitServer,
} from '@voicedesk/testkit';
import { launchChromium, startHostPage } from '@voicedesk/testkit/browser';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/poll.ts';
import { captureState, recorded, statusText, waitForState } from '../support/widget-page.ts';
import { type HostPage, startWidgetStack, type WidgetStack } from '../support/widget-stack.ts';

/**
 * Every way a call can fail to start or end badly, produced for real: a real browser, a real
 * API and livekit-server, real permission settings. This file has its own stack because its
 * last tests stop livekit-server and exhaust the rate limit.
 */
const CLOSED_SITE_KEY = 'pk_closed_shop_0001';

let world: WidgetStack;
let stack: Stack;
let database: DatabaseHandle;
let host: HostPage;
let browser: Browser;
let restartedLivekit: LivekitServer | undefined;

/** Opens `pageHost`, presses the call button and waits for the error state, which it records. */
async function pressAndFail(b: { newPage(): Promise<Page> }, pageHost: HostPage, shot: string) {
  const page = await b.newPage();
  await page.goto(pageHost.url);
  await page.getByRole('button', { name: /talk to support|call us|ring the shop/i }).click();
  const error = await waitForState(page, 'error');
  expect(await statusText(page)).toBe(error.text);
  await captureState(page, shot);
  return { page, error, record: await recorded(page) };
}

async function callCount(): Promise<number> {
  return (await stack.admin<{ stats: { total: number } }>('/v1/calls?stats=1')).stats.total;
}

async function withHostPage<T>(
  siteKey: string,
  attrs: Record<string, string>,
  fn: (h: HostPage) => Promise<T>,
) {
  const other = await startHostPage();
  other.embed(`${stack.apiUrl}/widget.js`, siteKey, attrs);
  try {
    return await fn(other);
  } finally {
    await other.close();
  }
}

beforeAll(async () => {
  world = await startWidgetStack({
    name: 'widget-errors',
    quietSeconds: 30,
    // Short, so the sweep that notices the crashed server's lost room runs within the test.
    stack: { env: { ROOM_LOST_GRACE_SECONDS: '5', SETTLE_GRACE_SECONDS: '3' } },
  });
  ({ stack, host, browser } = world);
  database = await openDatabase({ kind: 'postgres', url: world.databaseUrl }, { maxConnections: 2 });
  await database.db.insert(sites).values({
    id: newId(),
    publicKey: CLOSED_SITE_KEY,
    name: 'Closed Shop',
    allowedOrigins: [],
    instructions: 'You are a support assistant.',
    greeting: 'Hello.',
    // Open for one minute a week, in a zone where that minute is never now.
    businessHours: { timeZone: 'UTC', days: { sun: [{ open: '00:00', close: '00:00' }] } },
    theme: { buttonLabel: 'Call us', color: '#7c3aed', position: 'bottom-left' },
  });
});

afterAll(async () => {
  await database?.close();
  await world?.stop();
  await restartedLivekit?.stop();
});

describe('the call button tells the visitor what went wrong', () => {
  it('an unknown site key', async () => {
    await withHostPage('pk_unknown_000000', {}, async (other) => {
      const { page, error, record } = await pressAndFail(browser, other, 'error-unknown-site');
      expect(error.text).toContain('not set up for this website');
      expect(record.errors).toContain('site_not_found');
      await page.close();
    });
  });

  it('a website that is not on the site’s allowed origins, and nothing is written', async () => {
    const before = await callCount();
    await withHostPage(stack.siteKey, {}, async (other) => {
      const { page, error, record } = await pressAndFail(browser, other, 'error-origin');
      expect(error.text).toContain('not set up for this website');
      expect(record.errors).toContain('origin_not_allowed');
      await page.close();
    });
    expect(await callCount()).toBe(before);
  });

  it('the API cannot be reached, with the page’s own label and placement still applied', async () => {
    const deadPort = await findFreePort();
    const attrs = {
      'api-url': `http://127.0.0.1:${deadPort}`,
      label: 'Ring the shop',
      position: 'bottom-left',
    };
    await withHostPage(stack.siteKey, attrs, async (other) => {
      const idle = await browser.newPage();
      await idle.goto(other.url);
      const launcher = idle.getByRole('button', { name: 'Ring the shop' });
      await launcher.waitFor();
      expect((await launcher.boundingBox())?.x).toBe(20);
      await idle.close();
      const { page, error, record } = await pressAndFail(browser, other, 'error-api-down');
      expect(error.text).toContain('unavailable right now');
      expect(record.errors).toContain('unreachable');
      await page.close();
    });
  });

  it('outside the site’s opening hours, with the site’s own button label and placement', async () => {
    const closed = await startHostPage();
    await database.db
      .update(sites)
      .set({ allowedOrigins: [closed.origin] })
      .where(eq(sites.publicKey, CLOSED_SITE_KEY));
    closed.embed(`${stack.apiUrl}/widget.js`, CLOSED_SITE_KEY);
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      await page.goto(closed.url);
      const launcher = page.getByRole('button', { name: 'Call us: start a voice call with Closed Shop' });
      await launcher.waitFor();
      expect((await launcher.boundingBox())?.x).toBe(20);
      await page.close();
      const { page: failed, error, record } = await pressAndFail(browser, closed, 'error-closed');
      expect(error.text).toContain('Support is closed right now');
      expect(record.errors).toContain('outside_hours');
      await failed.close();
    } finally {
      await closed.close();
    }
  });

  it('the microphone is blocked in the browser’s permission settings', async () => {
    const denied = await launchChromium({ fakeUi: false });
    try {
      const context = await denied.newContext({ permissions: [] });
      const { error, record } = await pressAndFail(context, host, 'error-mic-denied');
      expect(error.text).toContain('Microphone access was blocked');
      expect(record.errors).toContain('mic_denied');
    } finally {
      await denied.close();
    }
  });

  it('there is no microphone at all', async () => {
    const noMic = await launchChromium({ noMicrophone: true });
    try {
      const { error, record } = await pressAndFail(noMic, host, 'error-no-mic');
      expect(error.text).toContain('No microphone was found');
      expect(record.errors).toContain('no_mic');
    } finally {
      await noMic.close();
    }
  });

  it('livekit-server dies mid-call: reconnecting, then ended with the reason; a new call is refused cleanly', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    const inCall = await waitForState(page, 'in-call');
    await expect.poll(async () => (await recorded(page)).maxLevel, { timeout: 20_000 }).toBeGreaterThan(0.02);

    // A crash, not a graceful shutdown: the browser only sees its connection drop.
    process.kill(stack.livekit.pid, 'SIGKILL');
    const reconnecting = await waitForState(page, 'reconnecting', { timeoutMs: 15_000 });
    expect(reconnecting.text).toBe('Connection lost, reconnecting…');
    expect(await page.getByRole('button', { name: 'Hang up' }).isVisible()).toBe(true);
    await captureState(page, 'reconnecting');

    const lost = await waitForState(page, 'error', { timeoutMs: 40_000 });
    expect(lost.text).toContain('connection was lost');
    expect((await recorded(page)).errors).toContain('connection_lost');
    await captureState(page, 'error-connection-lost');

    const before = await callCount();
    const since = (await recorded(page)).states.length;
    await page.getByRole('button', { name: 'Try again' }).click();
    const refused = await waitForState(page, 'error', { since, timeoutMs: 20_000 });
    expect(refused.text).toContain('unavailable right now');
    expect((await recorded(page)).errors).toContain('voice_unavailable');
    await captureState(page, 'error-voice-unavailable');
    // The refused call left no row behind.
    expect(await callCount()).toBe(before);
    await page.close();

    // The server comes back without the room; the sweep ends the call no webhook will end.
    const { livekit } = stack;
    restartedLivekit = await startLivekitServer({
      port: livekit.port,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
      webhookUrls: [`${stack.apiUrl}/v1/livekit/webhook`],
      logFile: join(REPO_ROOT, 'test-artifacts', 'logs', 'widget-errors', 'livekit-restarted.log'),
    });
    const lostCall = await eventually(
      'the crashed call to be ended',
      async () => {
        const call = await stack.admin<{ status: string; endReason: string | null }>(
          `/v1/calls/${inCall.callId}`,
        );
        return call.status === 'connected' ? undefined : call;
      },
      { timeoutMs: 30_000 },
    );
    expect(lostCall).toMatchObject({ status: 'failed', endReason: 'media_lost' });
  });

  it('too many calls from one address (429)', async () => {
    // Fixed one-minute windows: start early in one so the burn and the press share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    let status = 0;
    for (let i = 0; i < 50 && status !== 429; i++) {
      const res = await fetch(`${stack.apiUrl}/v1/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ siteKey: 'pk_unknown_000000' }),
      });
      status = res.status;
    }
    expect(status).toBe(429);
    const { page, error, record } = await pressAndFail(browser, host, 'error-rate-limited');
    expect(error.text).toContain('Too many calls');
    expect(record.errors).toContain('rate_limited');
    await page.close();
  });
});
