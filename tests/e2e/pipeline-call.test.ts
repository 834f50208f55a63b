import { join } from 'node:path';
import { dropTestDatabase, recreateTestDatabase } from '@voicedesk/db';
import { REPO_ROOT, type Stack, startStack } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SERVER_URL, TEST_ORIGIN } from '../support/api-harness.ts';
import { greetedCall, patchSite as patchStackSite } from '../support/greeted-call.ts';

/**
 * Pipeline mode, the self-hosted option: the visitor's speech goes through the transcription
 * route, the reply through chat completions, and every word the assistant says through the
 * speech (TTS) route, all of the model double's OpenAI-compatible HTTP API.
 */
const DB = 'voicedesk_e2e_pipeline_call_test';
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
    logDir: join(REPO_ROOT, 'test-artifacts', 'logs', 'pipeline-call'),
    script,
    siteOrigins: [TEST_ORIGIN],
    env: { VOICE_MODE: 'pipeline', AGENT_IDLE_PROCESSES: '1' },
  });
  const { items } = await stack.admin<{ items: { id: string; publicKey: string }[] }>('/v1/sites');
  siteId = items.find((s) => s.publicKey === stack.siteKey)?.id ?? '';
  // Read out by the voice in pipeline mode: the site's greeting is the script's.
  await patchSite({ greeting: script.greeting.text });
});

afterAll(async () => {
  await stack?.stop();
  await dropTestDatabase(POSTGRES_SERVER_URL, DB).catch(() => {});
});

/**
 * What the assistant's voice was asked to read since `from` (the double's speech route), joined:
 * the framework sends a text to the speech route a sentence at a time.
 */
const spokenSince = (from: number) => (stack.double?.stats.speeches.slice(from) ?? []).join(' ');

const call = (opts: { speak?: boolean } = {}) => greetedCall(stack, opts);
const patchSite = (body: Record<string, unknown>) => patchStackSite(stack, siteId, body);

describe('a call in pipeline mode (transcription, chat and speech over HTTP)', () => {
  it('greets the visitor, answers what they say, and stores both sides of the conversation', async () => {
    const before = stack.double?.stats.speeches.length ?? 0;
    const first = await call({ speak: true });
    expect(first.segments.map((s) => [s.speaker, s.text])).toEqual([
      ['ai', script.greeting.text],
      ['visitor', script.turns[0]?.transcriptOfUser],
      ['ai', script.turns[0]?.text],
    ]);
    expect(first.source).toBe('tts');
    expect(spokenSince(before)).toBe(`${script.greeting.text} ${script.turns[0]?.text}`);
  });

  it("plays the site's greeting from the kept audio on later calls, without asking the voice again", async () => {
    const before = stack.double?.stats.speeches.length ?? 0;
    const second = await call({ speak: true });
    expect(second.source).toBe('cache');
    expect(second.segments.map((s) => [s.speaker, s.text])).toEqual([
      ['ai', script.greeting.text],
      ['visitor', script.turns[0]?.transcriptOfUser],
      ['ai', script.turns[0]?.text],
    ]);
    // Only the answer was read out: the greeting the visitor heard came from the kept audio.
    expect(spokenSince(before)).toBe(script.turns[0]?.text);
  });

  it("reads the greeting afresh when the site's voice or greeting changes, and keeps that", async () => {
    await patchSite({ voice: 'nova' });
    let before = stack.double?.stats.speeches.length ?? 0;
    expect((await call()).source).toBe('tts');
    expect(spokenSince(before)).toBe(script.greeting.text);
    before = stack.double?.stats.speeches.length ?? 0;
    expect((await call()).source).toBe('cache');
    expect(spokenSince(before)).toBe('');

    const greeting = 'Hello from Acme Bikes, what can I do for you?';
    await patchSite({ greeting });
    before = stack.double?.stats.speeches.length ?? 0;
    const changed = await call();
    expect(changed.source).toBe('tts');
    expect(changed.segments.map((s) => s.text)).toEqual([greeting]);
    expect(spokenSince(before)).toBe(greeting);
  });
});
