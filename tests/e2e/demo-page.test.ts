import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { launchChromium } from '@voicedesk/testkit/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL } from '../support/api-harness.ts';
import { SHOTS } from '../support/widget-page.ts';

const DB = 'voicedesk_deploy_demo_test';
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'demo-page'),
    withAgent: false,
  });
  browser = await launchChromium({ noMicrophone: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

describe('/demo on a 360 px phone screen', () => {
  it('keeps the embed snippet inside its box: no page-wide horizontal scroll', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/demo`);
    await page.locator('voicedesk-widget').waitFor({ state: 'attached' });
    await page.screenshot({ path: join(SHOTS, 'demo-360.png'), fullPage: true });

    const layout = await page.evaluate(() => {
      const pre = document.querySelector('pre') as HTMLElement;
      const box = pre.getBoundingClientRect();
      return {
        pageWidth: document.documentElement.scrollWidth,
        viewport: document.documentElement.clientWidth,
        preLeft: box.left,
        preRight: box.right,
        // Either it wraps, or it scrolls inside its own box.
        preFits: pre.scrollWidth <= pre.clientWidth || getComputedStyle(pre).overflowX !== 'visible',
        snippet: pre.textContent ?? '',
      };
    });
    expect(layout.snippet).toContain(`data-site-key="${stack.siteKey}"`);
    expect(layout.pageWidth, 'the page scrolls sideways').toBeLessThanOrEqual(layout.viewport);
    expect(layout.preLeft).toBeGreaterThanOrEqual(0);
    expect(layout.preRight).toBeLessThanOrEqual(layout.viewport);
    expect(layout.preFits).toBe(true);
    await context.close();
  });
});
