import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { REPO_ROOT, type Stack, type StackOptions, startStack } from '@voicedesk/testkit';
import { fakeMicrophoneWav, launchChromium, startHostPage } from '@voicedesk/testkit/browser';
import type { Browser } from 'playwright-core';
import { POSTGRES_SERVER_URL } from './api-harness.ts';
import { fixture } from './fixtures.ts';

export type HostPage = Awaited<ReturnType<typeof startHostPage>>;

/** A customer's page with the call button on it, the platform behind it, and Chromium to press it. */
export interface WidgetStack {
  stack: Stack;
  host: HostPage;
  browser: Browser;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface WidgetStackOptions {
  /** Names the test's database and its log folder under test-artifacts/logs. */
  name: string;
  /** Quiet before the visitor's words in the fake microphone: longer keeps the greeting whole. */
  quietSeconds: number;
  stack?: Omit<StackOptions, 'databaseUrl' | 'logDir' | 'siteOrigins'>;
}

/**
 * The widget tests' world: a host page whose origin the site allows, a stack with its own
 * database, and a Chromium whose microphone plays visitor-1.wav after `quietSeconds` of silence.
 */
export async function startWidgetStack(opts: WidgetStackOptions): Promise<WidgetStack> {
  const db = `voicedesk_e2e_${opts.name.replaceAll('-', '_')}_test`;
  const host = await startHostPage();
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, db);
  let stack: Stack | undefined;
  let browser: Browser;
  try {
    stack = await startStack({
      ...opts.stack,
      databaseUrl,
      logDir: join(REPO_ROOT, 'test-artifacts', 'logs', opts.name),
      siteOrigins: [host.origin],
    });
    host.embed(`${stack.apiUrl}/widget.js`, stack.siteKey);
    browser = await launchChromium({
      wav: fakeMicrophoneWav(fixture('visitor-1.wav'), opts.quietSeconds),
    });
  } catch (error) {
    // Half started: what did start is stopped here, since the test's afterAll has nothing to stop.
    await stack?.stop();
    await host.close();
    throw error;
  }
  return {
    stack,
    host,
    browser,
    databaseUrl,
    async stop() {
      await browser.close();
      await host.close();
      await stack.stop();
      await dropTestDatabase(POSTGRES_SERVER_URL, db).catch(() => {});
    },
  };
}
