import { initializeLogger, type llm } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import type { AgentConfig } from '@voicedesk/config';
import { type ModelDouble, startModelDouble } from '@voicedesk/testkit';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildVoiceModel } from './model.ts';
import { testAssistant } from './testing/assistant-config.ts';

const RATE = 24_000;
const assistant = testAssistant();

const voiceConfig = (baseUrl: string): AgentConfig['voice'] => ({
  mode: 'realtime',
  apiKey: 'sk-test',
  baseUrl,
  realtimeModel: 'gpt-realtime',
  sttModel: 'gpt-4o-mini-transcribe',
  llmModel: 'gpt-4.1-mini',
  ttsModel: 'gpt-4o-mini-tts',
});

/** 10 ms of the visitor's microphone, as the room hands it to the session. */
const tenMs = () => new AudioFrame(new Int16Array(RATE / 100).fill(1_000), RATE, 1, RATE / 100);

beforeAll(() => {
  initializeLogger({ pretty: false, level: 'warn' });
});

describe('the realtime voice model', () => {
  let double: ModelDouble;
  let session: llm.RealtimeSession | undefined;

  beforeEach(async () => {
    double = await startModelDouble();
  });
  afterEach(async () => {
    await session?.close();
    await double.close();
  });

  it("sends the visitor's audio every 20 ms, so the model hears the end of speech without waiting for a 100 ms chunk", async () => {
    const voice = buildVoiceModel(voiceConfig(double.url), assistant, undefined);
    const model = voice.session.llm as llm.RealtimeModel;
    session = model.session();
    for (let i = 0; i < 10; i++) session.pushAudio(tenMs());
    const appended = await vi.waitFor(
      () => {
        const ms = double.sessions[0]?.appendedMs ?? [];
        if (ms.reduce((a, b) => a + b, 0) < 100) throw new Error('the model has not had the 100 ms yet');
        return ms;
      },
      { timeout: 3_000, interval: 10 },
    );
    expect(appended).toEqual([20, 20, 20, 20, 20]);
  });
});
