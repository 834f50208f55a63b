import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@voicedesk/testkit';
import { seriousA11yViolations, type WidgetRecord } from '@voicedesk/testkit/browser';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { eventually } from './poll.ts';

/** Screenshots of every widget state land here as CI artifacts; they are never committed. */
export const SHOTS = join(REPO_ROOT, 'test-artifacts', 'widget');
mkdirSync(SHOTS, { recursive: true });

export const recorded = (page: Page) =>
  page.evaluate(() => (window as unknown as { __vd: WidgetRecord }).__vd);

/**
 * Waits until the widget has entered `state` (the page records every transition); `since`
 * skips the transitions of earlier calls on the same page.
 */
export const waitForState = (page: Page, state: string, { since = 0, timeoutMs = 30_000 } = {}) =>
  eventually(
    `the widget to reach "${state}"`,
    async () => (await recorded(page)).states.slice(since).find((s) => s.state === state),
    { timeoutMs },
  );

/** The text the visitor reads in the panel right now. */
export const statusText = (page: Page) =>
  page.evaluate(
    () => document.querySelector('voicedesk-widget')?.shadowRoot?.querySelector('.status')?.textContent ?? '',
  );

/** Who the panel says the visitor is talking to, or null while that line is hidden. */
export const whoText = (page: Page) =>
  page.evaluate(() => {
    const who = document.querySelector('voicedesk-widget')?.shadowRoot?.querySelector<HTMLElement>('.who');
    return who && !who.hidden ? who.textContent : null;
  });

/** The recording notice in the call panel as the visitor reads it, or null while it is hidden. */
export const noticeShown = (page: Page) =>
  page.evaluate(() => {
    const notice = document
      .querySelector('voicedesk-widget')
      ?.shadowRoot?.querySelector<HTMLElement>('.notice');
    return notice && !notice.hidden ? notice.textContent : null;
  });

/** Which control inside the widget has keyboard focus ('' when focus is elsewhere). */
export const focusedControl = (page: Page) =>
  page.evaluate(() => {
    const host = document.querySelector('voicedesk-widget');
    if (document.activeElement !== host) return '';
    return host?.shadowRoot?.activeElement?.className ?? '';
  });

/**
 * Screenshots a state in light and dark colour schemes and checks both with axe-core: a state
 * with a serious or critical violation fails the test that reached it.
 */
export async function captureState(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
    expect(await seriousA11yViolations(page), `${name} (${scheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The assistant's caption as the visitor sees it right now. */
export const captionText = (page: Page) =>
  page.evaluate(
    () =>
      document.querySelector('voicedesk-widget')?.shadowRoot?.querySelector('.caption')?.textContent ?? '',
  );

/** Whether the speaking indicator beside the caption is lit right now. */
export const speakingLit = (page: Page) =>
  page.evaluate(
    () =>
      document
        .querySelector('voicedesk-widget')
        ?.shadowRoot?.querySelector('.speaking')
        ?.classList.contains('on') ?? false,
  );

/**
 * Holds the browser's microphone prompt open until the page calls `__openMic()`; the real
 * getUserMedia runs once released. Call before the page loads.
 */
export const holdMicrophonePrompt = (page: Page) =>
  page.addInitScript(() => {
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
