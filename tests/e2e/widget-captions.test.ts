import type { Stack } from '@voicedesk/testkit';
import { fakeMicrophoneWav, launchChromium } from '@voicedesk/testkit/browser';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { eventually } from '../support/poll.ts';
import {
  captionText,
  holdMicrophonePrompt,
  recorded,
  speakingLit,
  waitForState,
} from '../support/widget-page.ts';
import { type HostPage, startWidgetStack, type WidgetStack } from '../support/widget-stack.ts';

/** Short, so a visitor held at the microphone prompt outlasts it within the test's waits. */
const JOIN_WINDOW_SECONDS = 4;
const GREETING = 'Hi, thanks for calling VoiceDesk support. How can I help you today?';
const script = { greeting: { text: GREETING }, turns: [] };

let world: WidgetStack;
let stack: Stack;
let host: HostPage;
let browser: Browser;

interface CallSummary {
  id: string;
  roomName: string;
  status: string;
  endReason: string | null;
}
const listCalls = async () => (await stack.admin<{ items: CallSummary[] }>('/v1/calls')).items;

/** Reads the visible caption every ~30 ms until it shows `final`; returns each distinct text seen. */
async function sampleCaption(page: Page, final: string, timeoutMs = 20_000): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await captionText(page);
    if (text && text !== seen.at(-1)) seen.push(text);
    if (text === final) return seen;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error(`the caption never read "${final}"; it read: ${JSON.stringify(seen)}`);
}

beforeAll(async () => {
  world = await startWidgetStack({
    name: 'widget-captions',
    // The visitor stays quiet for the whole test, so nothing interrupts the greeting.
    quietSeconds: 30,
    stack: {
      script,
      env: {
        VISITOR_JOIN_WINDOW_SECONDS: String(JOIN_WINDOW_SECONDS),
        SWEEP_INTERVAL_MS: '500',
        // The framework ignores speech over the first 3 s of the assistant's words (echo
        // cancellation settling): the talker below would then interrupt the greeting only when
        // its speech began later than that, about one call in two. Its fake microphone has no echo.
        AGENT_AEC_WARMUP_MS: '0',
      },
    },
  });
  ({ stack, host, browser } = world);
});

afterAll(async () => {
  await world?.stop();
});

describe('captions and the join window', () => {
  it('shows the greeting word by word while it plays, and announces it once when it is over', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'in-call', { timeoutMs: 20_000 });

    const started = Date.now();
    const seen = await sampleCaption(page, GREETING);
    const steps = seen.slice(0, -1);
    // Partial, growing captions before the final text: not one finished sentence at the end.
    expect(steps.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(3);
    for (const [i, text] of seen.entries()) {
      expect(GREETING.startsWith(text.trimEnd()), text).toBe(true);
      if (i > 0) expect(text.length).toBeGreaterThan(seen[i - 1]?.length ?? 0);
    }
    // In step with 5.6 s of greeting audio: words arrive over seconds, and the voice is heard
    // while the caption is still partial.
    expect(Date.now() - started).toBeGreaterThan(1_500);
    expect((await recorded(page)).maxLevel).toBeGreaterThan(0.02);
    const events = (await recorded(page)).captions;
    expect(events.at(-1)).toBe(GREETING);

    // Screen readers hear the segment once, as a whole, not after every word.
    const log = page.getByRole('log', { name: 'Assistant captions' });
    await expect.poll(() => log.locator('p').allTextContents(), { timeout: 5_000 }).toEqual([GREETING]);
    // The growing caption itself is no live region.
    expect(
      await page.evaluate(() =>
        document
          .querySelector('voicedesk-widget')
          ?.shadowRoot?.querySelector('.caption')
          ?.closest('[aria-live],[role=log],[role=status]'),
      ),
    ).toBeNull();

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    await page.close();
  });

  it('puts the speaking indicator out when the visitor hangs up while the assistant speaks', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'in-call', { timeoutMs: 20_000 });
    await eventually(
      'the indicator to light with the greeting',
      async () => ((await speakingLit(page)) ? true : undefined),
      { timeoutMs: 20_000 },
    );

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    // The greeting's caption stays on screen after the call; its speaker is no longer speaking.
    expect(await speakingLit(page)).toBe(false);
    await page.close();
  });

  // Never passes without a greeting cut short: the stack's AGENT_AEC_WARMUP_MS=0 lets the
  // visitor interrupt from the greeting's first word, wherever in it their speech begins.
  it('leaves an interrupted greeting’s caption where its audio stopped', async () => {
    // Chromium plays the file in a loop: 2 s of silence, then 3.1 s of speech, so this visitor
    // starts talking every 5.1 s, within the 5.6 s greeting whenever it starts. With 3 s of
    // silence (a 6.1 s loop) a greeting could fall between two starts, and on CI it did twice.
    const talker = await launchChromium({ wav: fakeMicrophoneWav(fixture('visitor-1.wav'), 2) });
    try {
      const page = await talker.newPage();
      await page.goto(host.url);
      const button = page.getByRole('button', { name: /start a voice call/i });
      await button.waitFor();
      await page.evaluate(() => {
        const w = window as unknown as {
          __segments: Record<string, { text: string; final: boolean }>;
          VoiceDesk: {
            on(e: string, fn: (d: { segment: string; text: string; final: boolean }) => void): void;
          };
        };
        w.__segments = {};
        w.VoiceDesk.on('caption', (d) => {
          w.__segments[d.segment] = { text: d.text, final: d.final };
        });
      });
      await button.click();
      await waitForState(page, 'in-call', { timeoutMs: 20_000 });
      const greeting = await eventually(
        'the greeting’s caption segment to close',
        async () => {
          const segments = await page.evaluate(
            () =>
              (window as unknown as { __segments: Record<string, { text: string; final: boolean }> })
                .__segments,
          );
          const first = Object.values(segments)[0];
          return first?.final ? first.text : undefined;
        },
        { timeoutMs: 20_000 },
      );
      // Cut short where the voice was cut: a true prefix of the greeting, not the whole of it.
      expect(GREETING.startsWith(greeting.trimEnd()), greeting).toBe(true);
      expect(greeting.trimEnd().length).toBeLessThan(GREETING.length);
      await page.close();
    } finally {
      await talker.close();
    }
  });

  it('mints a new call, without an error, when the room is gone by the time the visitor grants the microphone', async () => {
    const page = await browser.newPage();
    await holdMicrophonePrompt(page);
    const before = new Set((await listCalls()).map((c) => c.id));
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'requesting-mic');
    const first = await eventually('the call to be minted', async () =>
      (await listCalls()).find((c) => !before.has(c.id)),
    );
    // What the join window does to the room, done directly: this holds without the API's sweep.
    // On a loaded machine the 4 s window can pass before this line, and the sweep has then
    // deleted the room already: the same state, so a 404 here is the room being gone.
    const { httpUrl, apiKey, apiSecret } = stack.livekit;
    const rooms = new RoomServiceClient(httpUrl, apiKey, apiSecret);
    await rooms.deleteRoom(first.roomName).catch((err: unknown) => {
      if ((err as { status?: number }).status !== 404) throw err;
    });
    expect(await rooms.listRooms([first.roomName])).toEqual([]);

    await page.evaluate(() => (window as unknown as { __openMic: () => void }).__openMic());
    await waitForState(page, 'in-call', { timeoutMs: 20_000 });
    await eventually(
      'the greeting to be heard on the second call',
      async () => ((await recorded(page)).maxLevel > 0.02 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const record = await recorded(page);
    expect(record.errors).toEqual([]);
    expect(record.states.map((s) => s.state)).not.toContain('error');
    expect(record.calls).toHaveLength(2);
    expect(record.calls[0]).toBe(first.id);
    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    await page.close();
  });

  it('mints a new call, without an error, when the first was released while the visitor sat at the microphone prompt', async () => {
    const page = await browser.newPage();
    await holdMicrophonePrompt(page);
    const before = new Set((await listCalls()).map((c) => c.id));
    await page.goto(host.url);
    await page.getByRole('button', { name: /start a voice call/i }).click();
    await waitForState(page, 'requesting-mic');

    // The API releases the call nobody joined within its window (missed, room deleted).
    const released = await eventually(
      `the first call to end missed within its ${JOIN_WINDOW_SECONDS} s join window`,
      async () => (await listCalls()).find((c) => !before.has(c.id) && c.status === 'missed'),
      { timeoutMs: 20_000 },
    );
    expect(released.endReason).toBe('visitor_never_joined');

    await page.evaluate(() => (window as unknown as { __openMic: () => void }).__openMic());
    await waitForState(page, 'in-call', { timeoutMs: 20_000 });
    await eventually(
      'the greeting to be heard on the second call',
      async () => ((await recorded(page)).maxLevel > 0.02 ? true : undefined),
      { timeoutMs: 20_000 },
    );

    const record = await recorded(page);
    expect(record.errors).toEqual([]);
    expect(record.states.map((s) => s.state)).not.toContain('error');
    expect(record.calls).toHaveLength(2);
    expect(record.calls[0]).toBe(released.id);
    const fresh = (await listCalls()).filter((c) => !before.has(c.id));
    expect(fresh.map((c) => c.id).sort()).toEqual([...record.calls].sort());
    const second = await eventually('the second call to connect', async () =>
      (await listCalls()).find((c) => c.id === record.calls[1] && c.status === 'connected'),
    );
    expect(second.endReason).toBeNull();

    await page.getByRole('button', { name: 'Hang up' }).click();
    await waitForState(page, 'ended');
    await page.close();
  });
});
