import { join } from 'node:path';
import { roomNameForCall } from '@voicedesk/core';
import { type DatabaseHandle, openDatabase, staffUsers } from '@voicedesk/db';
import type { Stack } from '@voicedesk/testkit';
import { eq } from 'drizzle-orm';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff } from '../../apps/api/src/testing/staff-fixtures.ts';
import { eventually } from '../support/poll.ts';
import {
  captureState,
  focusedControl,
  recorded,
  SHOTS,
  statusText,
  waitForState,
  whoText,
} from '../support/widget-page.ts';
import { type HostPage, startWidgetStack, type WidgetStack } from '../support/widget-stack.ts';

const script = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
  ],
};

let world: WidgetStack;
let stack: Stack;
let host: HostPage;
let browser: Browser;

/** Waits for the call as the dashboard will show it: completed, with every one of `texts` in its transcript. */
async function storedCall(callId: string | undefined, texts: string[]) {
  expect(callId).toBeTruthy();
  return eventually('the call to be completed with its transcript', async () => {
    const d = await stack.admin<{ status: string; segments: { speaker: string; text: string }[] }>(
      `/v1/calls/${callId}`,
    );
    const said = d.segments.map((seg) => seg.text);
    return d.status === 'completed' && texts.every((t) => said.includes(t)) ? d : undefined;
  });
}

beforeAll(async () => {
  // Eight seconds of quiet first, so the whole greeting plays before the visitor asks.
  world = await startWidgetStack({ name: 'widget-call', quietSeconds: 8, stack: { script } });
  ({ stack, host, browser } = world);
});

afterAll(async () => {
  await world?.stop();
});

describe('the call button on a customer site', () => {
  it('calls the assistant from a real browser: greeting heard, question answered, captions, hang-up stored', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    const button = page.getByRole('button', { name: /start a voice call/i });
    await button.waitFor();
    await button.click();

    await waitForState(page, 'in-call');
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
    expect(
      await page
        .getByRole('dialog', { name: 'Voice support call' })
        .getByText('resetting your password')
        .isVisible(),
    ).toBe(true);
    // Captions grow word by word with the voice: hang up only once the answer has been spoken
    // whole (its finished caption reaches the screen reader's log), since a reply cut short by
    // the hang-up is stored as far as it was spoken.
    await page
      .getByRole('log', { name: 'Assistant captions' })
      .getByText('resetting your password')
      .waitFor({ state: 'attached', timeout: 20_000 });

    await page.getByRole('button', { name: 'Hang up' }).click();
    const ended = await waitForState(page, 'ended');
    expect(ended.text).toMatch(/^Call ended · \d+:\d\d$/);
    expect(await page.getByRole('button', { name: 'Call again' }).isVisible()).toBe(true);

    const { calls } = await recorded(page);
    expect(calls).toHaveLength(1);
    const detail = await storedCall(calls[0], [
      script.greeting.text,
      script.turns[0]?.transcriptOfUser ?? '',
      script.turns[0]?.text ?? '',
    ]);
    expect(detail.segments.map((seg) => seg.speaker)).toEqual(['ai', 'visitor', 'ai']);
    await page.close();
  });

  it('tells the visitor who they are talking to as staff take the call and hand it back', async () => {
    const db: DatabaseHandle = await openDatabase({ kind: 'postgres', url: world.databaseUrl });
    try {
      const staff = await addStaff(db.db, { email: 'ana@example.test', role: 'admin' });
      await db.db.update(staffUsers).set({ name: 'Ana Lopez' }).where(eq(staffUsers.id, staff.id));
      // As the dashboard sends them: the session cookie, from the API's own origin.
      const asStaff = (path: string, method: string, body?: unknown) =>
        fetch(`${stack.apiUrl}${path}`, {
          method,
          headers: {
            cookie: `vd_session=${staff.token}`,
            origin: stack.apiUrl,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      expect((await asStaff('/v1/staff/me/availability', 'PUT', { available: true })).status).toBe(200);

      const page = await browser.newPage();
      await page.goto(host.url);
      await page.getByRole('button', { name: /start a voice call/i }).click();
      await waitForState(page, 'in-call');
      const saysWho = (text: string) =>
        eventually(`the panel to say "${text}"`, async () =>
          (await whoText(page)) === text ? true : undefined,
        );
      await saysWho('Support assistant');
      // The assistant is in the call (a person is asked for only once it is connected).
      await eventually('the greeting to be heard in the page', async () =>
        (await recorded(page)).maxLevel > 0.02 ? true : undefined,
      );
      const [callId] = (await recorded(page)).calls;

      // The assistant's request for a person, sent as the worker's transfer_to_human sends it.
      const asked = await fetch(`${stack.apiUrl}/internal/calls/${callId}/escalations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.internalServiceKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'The visitor cannot sign in' }),
      });
      const escalation = (await asked.json()) as { escalationId: string; status: string };
      expect(escalation, JSON.stringify(escalation)).toMatchObject({ status: 'ringing' });
      await saysWho('Finding someone to help…');

      expect((await asStaff(`/v1/escalations/${escalation.escalationId}/accept`, 'POST')).status).toBe(200);
      await saysWho('Ana from the support team');

      expect((await asStaff(`/v1/calls/${callId}/hand-back`, 'POST')).status).toBe(200);
      await saysWho('Support assistant');

      await page.getByRole('button', { name: 'Hang up' }).click();
      await waitForState(page, 'ended');
      expect(await whoText(page)).toBeNull();
      await page.close();
    } finally {
      await db.close();
    }
  });

  it('tells the visitor the assistant is being reconnected when it leaves mid-call, until a new one joins', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'in-call');
    await eventually('the greeting to be heard in the page', async () =>
      (await recorded(page)).maxLevel > 0.02 ? true : undefined,
    );
    const [callId] = (await recorded(page)).calls;
    const roomName = roomNameForCall(callId ?? '');
    // The worker dies, and its assistant's connection with it. LiveKit would report that only
    // after its reconnect timeout (about 20 s); removing the participant reports it at once.
    await stack.agent?.kill();
    const { httpUrl, apiKey, apiSecret } = stack.livekit;
    const rooms = new RoomServiceClient(httpUrl, apiKey, apiSecret);
    // The framework names its assistants `agent-<job id>`.
    const assistants = async () =>
      (await rooms.listParticipants(roomName)).map((p) => p.identity).filter((id) => id.startsWith('agent-'));
    const [first] = await assistants();
    expect(first).toBeDefined();
    await rooms.removeParticipant(roomName, first ?? '');
    await eventually('the panel to say the assistant is being reconnected', async () =>
      (await whoText(page)) === 'Reconnecting to the assistant…' ? true : undefined,
    );
    // A worker again: the sweeper sends the call a new assistant.
    await stack.startAgent();
    await eventually(
      'a new assistant in the room',
      async () => (await assistants()).some((id) => id !== first) || undefined,
    );
    await eventually('the panel to say who answers again', async () =>
      (await whoText(page)) === 'Support assistant' ? true : undefined,
    );
    expect((await recorded(page)).talkingTo).toEqual([
      'Support assistant',
      'Reconnecting to the assistant…',
      'Support assistant',
    ]);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    const stored = await eventually('the call to be stored as ended', async () => {
      const d = await stack.admin<{ status: string; endReason: string | null }>(`/v1/calls/${callId}`);
      return d.status === 'connected' ? undefined : d;
    });
    expect([stored.status, stored.endReason]).toEqual(['completed', 'visitor_hung_up']);
    await page.close();
  });

  it('completes a call through TURN when the browser may only relay (a network that blocks direct media)', async () => {
    const page = await browser.newPage();
    // As a browser behind a firewall that lets nothing but the TURN server through: every peer
    // connection the page makes may use relayed candidates only.
    await page.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      const made: RTCPeerConnection[] = [];
      const relayOnly = (c?: RTCConfiguration): RTCConfiguration => ({ ...c, iceTransportPolicy: 'relay' });
      class RelayOnly extends Native {
        constructor(config?: RTCConfiguration) {
          super(relayOnly(config));
          made.push(this);
        }
        override setConfiguration(config?: RTCConfiguration) {
          super.setConfiguration(relayOnly(config));
        }
      }
      window.RTCPeerConnection = RelayOnly;
      (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
    });
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'in-call');
    await eventually(
      'the answer to the visitor to appear as a caption',
      async () =>
        (await recorded(page)).captions.some((c) => c.includes('resetting your password')) ? true : undefined,
      { timeoutMs: 30_000 },
    );
    const candidateTypes = await page.evaluate(async () => {
      const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
      const types: string[] = [];
      for (const pc of pcs) {
        if (pc.connectionState !== 'connected') continue;
        const stats: Array<Record<string, unknown>> = [];
        (await pc.getStats()).forEach((s: Record<string, unknown>) => {
          stats.push(s);
        });
        const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
        const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
        const local = stats.find((s) => s.id === pair?.localCandidateId);
        types.push(String(local?.candidateType));
      }
      return types;
    });
    // Media flowed, and only through the relay.
    expect(candidateTypes.length).toBeGreaterThan(0);
    expect(candidateTypes.every((t) => t === 'relay')).toBe(true);
    await page
      .getByRole('log', { name: 'Assistant captions' })
      .getByText('resetting your password')
      .waitFor({ state: 'attached', timeout: 20_000 });
    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    const { calls } = await recorded(page);
    const detail = await storedCall(calls[0], [
      script.turns[0]?.transcriptOfUser ?? '',
      script.turns[0]?.text ?? '',
    ]);
    expect(detail.segments.map((seg) => seg.speaker)).toEqual(['ai', 'visitor', 'ai']);
    await page.close();
  });

  it('works with the keyboard alone on a 360 px phone screen, and every state passes axe in light and dark', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
    const page: Page = await context.newPage();
    // Gates hold the two waits a visitor sees (the microphone prompt, the call being set up)
    // long enough to check them; the real browser API and the real request run once released.
    await page.addInitScript(() => {
      const w = window as unknown as { __openMic: () => void };
      const gate = new Promise<void>((resolve) => {
        w.__openMic = resolve;
      });
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (c) => {
        await gate;
        return real(c);
      };
    });
    let releaseCall = () => {};
    const callHeld = new Promise<void>((resolve) => {
      releaseCall = resolve;
    });
    await page.route(
      (url) => url.href === `${stack.apiUrl}/v1/calls`,
      async (route) => {
        await callHeld;
        await route.continue();
      },
    );

    await page.goto(host.url);
    const launcher = page.getByRole('button', { name: /start a voice call/i });
    await launcher.waitFor();
    // Pinned to the bottom-right corner despite the page's `* { all: unset }` reset.
    const button = await launcher.boundingBox();
    expect(button && Math.round(740 - (button.y + button.height))).toBe(20);
    expect(button && Math.round(360 - (button.x + button.width))).toBe(20);
    await captureState(page, 'idle');

    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('launcher');
    await page.keyboard.press('Enter');
    await waitForState(page, 'requesting-mic');
    expect(await focusedControl(page)).toBe('status');
    expect(await statusText(page)).toContain('Allow microphone access');
    await captureState(page, 'requesting-mic');

    await page.evaluate(() => (window as unknown as { __openMic: () => void }).__openMic());
    await waitForState(page, 'connecting');
    expect(await statusText(page)).toContain('Connecting you to support');
    await captureState(page, 'connecting');

    releaseCall();
    await waitForState(page, 'in-call');
    expect(await focusedControl(page)).toBe('hangup');
    await eventually('the greeting caption', async () =>
      (await recorded(page)).captions.length > 0 ? true : undefined,
    );
    const panel = await page.getByRole('dialog', { name: 'Voice support call' }).boundingBox();
    expect(panel && panel.x >= 0 && panel.x + panel.width <= 360 && panel.y >= 0).toBe(true);
    await captureState(page, 'in-call');

    await page.keyboard.press('Shift+Tab');
    expect(await focusedControl(page)).toBe('mute');
    await page.keyboard.press('Enter');
    expect(await page.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).toBe('true');
    await captureState(page, 'in-call-muted');
    await page.keyboard.press('Enter');
    expect(await page.getByRole('button', { name: 'Mute' }).getAttribute('aria-pressed')).toBe('false');

    await page.keyboard.press('Tab');
    expect(await focusedControl(page)).toBe('hangup');
    await page.keyboard.press('Enter');
    await waitForState(page, 'ended');
    expect(await focusedControl(page)).toBe('again');
    await captureState(page, 'ended');

    await page.keyboard.press('Escape');
    await waitForState(page, 'idle', { since: 1 });
    expect(await focusedControl(page)).toBe('launcher');

    const announced = await page.evaluate(
      () => document.querySelector('voicedesk-widget')?.shadowRoot?.querySelector('[aria-live]')?.textContent,
    );
    expect(announced).toBe('Talk to support');
    const { calls } = await recorded(page);
    await storedCall(calls[0], [script.greeting.text]);
    await context.close();
  });
});
