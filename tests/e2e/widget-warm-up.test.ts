import type { Stack } from '@voicedesk/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeApiMetrics } from '../support/api-metrics.ts';
import { eventually } from '../support/poll.ts';
import { captureState, noticeShown, recorded, waitForState } from '../support/widget-page.ts';
import { type HostPage, startWidgetStack, type WidgetStack } from '../support/widget-stack.ts';

/**
 * The widget gets ready for a call before the press (the call module while the page is idle, the
 * LiveKit connection when the visitor heads for the button) and still starts nothing a visitor
 * would notice: no call, no microphone prompt, until the button is pressed. No agent: joining the
 * room is as far as these calls need to go.
 */
let world: WidgetStack;
let stack: Stack;
let host: HostPage;
let browser: Browser;

beforeAll(async () => {
  world = await startWidgetStack({
    name: 'widget-warm-up',
    quietSeconds: 8,
    // The built-in recorder: what the recording notice tells the visitor is checked against it.
    stack: { withAgent: false, recording: {} },
  });
  ({ stack, host, browser } = world);
});

afterAll(async () => {
  await world?.stop();
});

/** A page that logs every request it makes and every microphone request (granted or not). */
async function watchedPage(): Promise<{ page: Page; requests: { method: string; url: string }[] }> {
  const page = await browser.newPage();
  const requests: { method: string; url: string }[] = [];
  page.on('request', (req) => requests.push({ method: req.method(), url: req.url() }));
  await page.addInitScript(() => {
    const w = window as unknown as { __micRequests: number };
    w.__micRequests = 0;
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c) => {
      w.__micRequests++;
      return real(c);
    };
  });
  return { page, requests };
}

const micRequests = (page: Page) =>
  page.evaluate(() => (window as unknown as { __micRequests: number }).__micRequests);
const callModuleLoads = (requests: { url: string }[]) =>
  requests.filter((r) => /\/voicedesk-call-[\w-]+\.js$/.test(r.url)).length;

async function callCount(): Promise<number> {
  return (await stack.admin<{ stats: { total: number } }>('/v1/calls?stats=1')).stats.total;
}

/** Requests the API answered for a route with this method, from its request histogram (GET /metrics). */
async function answered(method: string, route: string): Promise<number> {
  return (await scrapeApiMetrics(stack))
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('voicedesk_http_request_duration_seconds_count{') &&
        line.includes(`method="${method}"`) &&
        line.includes(`route="${route}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('the call button before it is pressed', () => {
  it('loads the call module and warms the LiveKit connection, mints no call and asks for no microphone', async () => {
    const { page, requests } = await watchedPage();
    const livekitHttp = stack.livekit.url.replace(/^ws/, 'http');
    await page.goto(host.url);
    const button = page.getByRole('button', { name: /start a voice call/i });
    await button.waitFor();

    await eventually('the call module to load while the page is idle', async () =>
      callModuleLoads(requests) === 1 ? true : undefined,
    );
    await button.hover();
    await eventually('the LiveKit connection to be warmed', async () =>
      requests.some((r) => r.method === 'HEAD' && r.url.startsWith(livekitHttp)) ? true : undefined,
    );
    await button.focus();

    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(await callCount()).toBe(0);
    expect(await micRequests(page)).toBe(0);
    // Still idle: no panel opened, no state change announced.
    expect(await page.getByRole('dialog', { name: 'Voice support call' }).isHidden()).toBe(true);
    expect((await recorded(page)).states).toEqual([]);

    // The press then uses what was warmed: the call connects, with the module loaded once.
    await button.click();
    await waitForState(page, 'in-call');
    expect(await micRequests(page)).toBeGreaterThan(0);
    expect(callModuleLoads(requests)).toBe(1);
    expect(await callCount()).toBe(1);
    const steps = Object.keys((await recorded(page)).traces[0] ?? {});
    expect(steps).toEqual(
      expect.arrayContaining(['call-minted', 'room-connecting', 'room-connected', 'mic-live']),
    );

    // The press went straight to the API: a visitor's first call waits for no CORS preflight
    // (a round trip on their network before the call could be minted).
    expect(await answered('POST', '/v1/calls')).toBe(1);
    expect(await answered('OPTIONS', '/v1/calls')).toBe(0);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    await page.close();
  });
});

/** Changes the stack's site as an admin does, through the API. */
async function setRecording(recordingEnabled: boolean, recordingNotice: string | null) {
  const { items } = await stack.admin<{ items: { id: string; publicKey: string }[] }>('/v1/sites');
  const site = items.find((s) => s.publicKey === stack.siteKey);
  const res = await fetch(`${stack.apiUrl}/v1/sites/${site?.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ recordingEnabled, recordingNotice }),
  });
  expect(res.status).toBe(200);
}

interface CallRecording {
  recording: { status: string } | null;
}

describe('the recording notice', () => {
  it("tells the visitor whether the call is recorded as the call's own answer says, not as the page loaded it", async () => {
    // The page loads while the site does not record: no notice.
    await setRecording(false, null);
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).waitFor();
    expect(await page.getByRole('button', { name: /start a voice call/i }).getAttribute('title')).toBeNull();

    // An admin turns recording on before the visitor presses: this call is recorded, and says so.
    await setRecording(true, 'Calls are recorded for quality.');
    await page.getByRole('button', { name: /start a voice call/i }).click();
    const inCall = await waitForState(page, 'in-call');
    expect(await noticeShown(page)).toBe('Calls are recorded for quality.');
    // The panel with its notice, in light and dark, passes axe.
    await captureState(page, 'in-call-recorded');
    await eventually('the recorder to record the call', async () => {
      const call = await stack.admin<CallRecording>(`/v1/calls/${inCall.callId}`);
      return call.recording ?? undefined;
    });
    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');

    // Turned off again before the next press: the notice goes, and nothing is recorded.
    await setRecording(false, null);
    const states = (await recorded(page)).states.length;
    await page.getByRole('button', { name: 'Call again' }).click();
    const second = await waitForState(page, 'in-call', { since: states });
    expect(await noticeShown(page)).toBeNull();
    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended', { since: states });
    const call = await stack.admin<CallRecording>(`/v1/calls/${second.callId}`);
    expect(call.recording).toBeNull();
    await page.close();
  });
});
