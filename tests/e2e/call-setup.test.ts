import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { connectVisitor, REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { greetedCall, patchSite as patchStackSite } from '../support/greeted-call.ts';
import { mintCall } from '../support/mint-call.ts';

const DB = 'voicedesk_e2e_call_setup_test';
const script = {
  greeting: { text: 'Hi, thanks for calling Acme Bikes. How can I help you today?' },
  turns: [
    { transcriptOfUser: "Hi, I can't log in to my account", text: 'Have you tried resetting your password?' },
  ],
};

let stack: Stack;
let siteId: string;

beforeAll(async () => {
  const databaseUrl = await recreateTestDatabase(POSTGRES_SERVER_URL, DB);
  stack = await startStack({
    databaseUrl,
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'call-setup'),
    script,
    siteOrigins: [TEST_ORIGIN],
    // Fewer warm processes than the burst below, so some of its calls take freshly started ones;
    // and room for the burst beside the jobs of earlier calls still closing on a 2-core host.
    // About twenty calls from one address in two minutes: past the per-address default.
    env: { AGENT_IDLE_PROCESSES: '2', AGENT_MAX_CALLS: '8', CALL_RATE_LIMIT_PER_MINUTE: '1000' },
  });
  const { items } = await stack.admin<{ items: { id: string; publicKey: string }[] }>('/v1/sites');
  siteId = items.find((s) => s.publicKey === stack.siteKey)?.id ?? '';
});

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

const call = (opts: { speak?: boolean } = {}) => greetedCall(stack, opts);
const patchSite = (body: Record<string, unknown>) => patchStackSite(stack, siteId, body);

describe("a site's greeting, kept after the model first speaks it", () => {
  it('is spoken by the model once, then played from the cache, and the model knows it was said', async () => {
    const first = await call();
    expect(first.source).toBe('model');
    expect(first.segments.map((s) => s.text)).toEqual([script.greeting.text]);

    const second = await call({ speak: true });
    expect(second.source).toBe('cache');
    // The visitor hears the same greeting, it is in the transcript, and the model answers the
    // visitor instead of greeting again (it would, had it not been told it already greeted).
    expect(second.segments.map((s) => [s.speaker, s.text])).toEqual([
      ['ai', script.greeting.text],
      ['visitor', script.turns[0]?.transcriptOfUser],
      ['ai', script.turns[0]?.text],
    ]);
  });

  it("is made afresh when the site's greeting or voice changes, and kept again", async () => {
    await patchSite({ greeting: 'Hello from Acme Bikes, what can I do for you?' });
    expect((await call()).source).toBe('model');
    expect((await call()).source).toBe('cache');

    await patchSite({ voice: 'verse' });
    expect((await call()).source).toBe('model');
    expect((await call()).source).toBe('cache');
  });
});

describe('visitors who hang up while the greeting plays', () => {
  it("do not hold the worker's slots: ten such calls in a row are each greeted", async () => {
    // The worker takes 8 calls at once (above); a job held after its visitor left would fill it.
    for (let i = 0; i < 10; i++) {
      const { token, livekitUrl } = await mintCall(stack.apiUrl, stack.siteKey);
      const visitor = await connectVisitor({ url: livekitUrl, token });
      await visitor.waitForSpeech({ timeoutMs: 20_000 });
      await visitor.hangUp();
    }
  });
});

describe('the warm process pool', () => {
  it('gives each call of a burst a job process of its own, and every visitor is greeted', async () => {
    const calls = await Promise.all([call(), call(), call()]);
    expect(new Set(calls.map((c) => c.processId)).size).toBe(3);
    for (const c of calls) expect(c.segments.map((s) => s.text)).toEqual([script.greeting.text]);
  });
});
