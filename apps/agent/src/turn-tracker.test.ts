import type { metrics } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { TurnTracker } from './turn-tracker.ts';

const T0 = 1_800_000_000_000;

function realtimeMetrics(requestId: string, ttftMs: number): metrics.RealtimeModelMetrics {
  return {
    type: 'realtime_model_metrics',
    label: 'openai_realtime',
    requestId,
    timestamp: T0,
    durationMs: 2000,
    ttftMs,
    cancelled: false,
    inputTokens: 1,
    outputTokens: 1,
    totalTokens: 2,
    tokensPerSecond: 1,
    inputTokenDetails: { audioTokens: 0, textTokens: 0, imageTokens: 0, cachedTokens: 0 },
    outputTokenDetails: { audioTokens: 0, textTokens: 0, imageTokens: 0 },
  };
}

describe('TurnTracker (realtime)', () => {
  it('numbers speeches from the greeting and derives end-of-speech → first audio', () => {
    const turns = new TurnTracker({ mode: 'realtime', serverVadSilenceMs: 500 });
    expect(turns.speechCreated('greeting', T0)).toBe(0);
    const greetingMetrics = turns.metrics(realtimeMetrics('resp_0', 200));
    expect(greetingMetrics.map((m) => [m.turn, m.kind])).toEqual([[0, 'realtime']]);
    // The greeting answers nobody: it gets a turn metric without an e2e.
    const greeting = turns.speechDone('greeting', {
      startedSpeakingAtMs: T0 + 400,
      requestIds: ['resp_0'],
      interrupted: false,
    });
    expect(greeting[0]?.values).toMatchObject({ e2eMs: null, modelMs: 200 });

    // The server VAD reports the stop one silence window late: 10_500 observed → 10_000 real.
    turns.visitorStoppedSpeaking(T0 + 10_500);
    expect(turns.speechCreated('reply', T0 + 10_600)).toBe(1);
    // Audio played before the realtime metrics (response.done) arrived: wait for them.
    expect(
      turns.speechDone('reply', {
        startedSpeakingAtMs: T0 + 11_100,
        requestIds: ['resp_1'],
        interrupted: true,
      }),
    ).toEqual([]);
    const [raw, turn] = turns.metrics(realtimeMetrics('resp_1', 350));
    expect(raw).toMatchObject({ turn: 1, kind: 'realtime' });
    expect(turn).toEqual({
      turn: 1,
      kind: 'turn',
      values: {
        mode: 'realtime',
        e2eMs: 1100,
        turnDetectionMs: 500,
        modelMs: 350,
        platformMs: 250,
        afterVadMs: 600,
        visitorStoppedAt: T0 + 10_500,
        firstAudioAt: T0 + 11_100,
        interrupted: true,
      },
    });
  });

  it('emits waiting turn metrics at flush, and none for a speech that never played', () => {
    const turns = new TurnTracker({ mode: 'realtime', serverVadSilenceMs: 500 });
    turns.speechCreated('a', T0);
    turns.speechDone('a', { startedSpeakingAtMs: T0 + 300, requestIds: ['resp_a'], interrupted: false });
    turns.speechCreated('b', T0 + 1000);
    expect(turns.speechDone('b', { requestIds: [], interrupted: true })).toEqual([]);
    const flushed = turns.flush();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toMatchObject({ turn: 0, kind: 'turn', values: { modelMs: null } });
    expect(turns.flush()).toEqual([]);
  });
});

describe('TurnTracker (pipeline)', () => {
  it('attributes metrics by speech id and uses the framework e2e', () => {
    const turns = new TurnTracker({ mode: 'pipeline', serverVadSilenceMs: 500 });
    turns.speechCreated('greeting', T0);
    // STT for the visitor's words belongs to the reply that is about to be created.
    const [stt] = turns.metrics({
      type: 'stt_metrics',
      label: 'openai.STT',
      requestId: 'r',
      timestamp: T0,
      durationMs: 300,
      audioDurationMs: 1500,
      streamed: false,
    });
    expect(stt?.turn).toBe(1);
    turns.speechCreated('reply', T0 + 5000);
    turns.metrics({
      type: 'eou_metrics',
      timestamp: T0,
      endOfUtteranceDelayMs: 600,
      transcriptionDelayMs: 320,
      onUserTurnCompletedDelayMs: 0,
      lastSpeakingTimeMs: T0 + 4400,
      speechId: 'reply',
    });
    const llm = (speechId: string): metrics.LLMMetrics => ({
      type: 'llm_metrics',
      label: 'openai.LLM',
      requestId: 'r',
      timestamp: T0,
      durationMs: 800,
      ttftMs: 240,
      cancelled: false,
      completionTokens: 10,
      promptTokens: 100,
      promptCachedTokens: 0,
      totalTokens: 110,
      tokensPerSecond: 12,
      speechId,
    });
    // Two LLM calls in one turn (a tool call, then the answer) must not overwrite each other.
    expect(turns.metrics(llm('reply')).map((m) => `${m.turn}:${m.kind}`)).toEqual(['1:llm']);
    expect(turns.metrics(llm('reply')).map((m) => `${m.turn}:${m.kind}`)).toEqual(['1:llm_2']);
    const [turn] = turns.speechDone('reply', {
      startedSpeakingAtMs: T0 + 5400,
      e2eLatencyMs: 1000,
      llmTtftMs: 240,
      ttsTtfbMs: 110,
      requestIds: [],
      interrupted: false,
    });
    expect(turn).toEqual({
      turn: 1,
      kind: 'turn',
      values: {
        mode: 'pipeline',
        e2eMs: 1000,
        turnDetectionMs: 600,
        modelMs: 350,
        platformMs: 50,
        llmTtftMs: 240,
        ttsTtfbMs: 110,
        transcriptionDelayMs: 320,
        interrupted: false,
      },
    });
  });
});

describe('TurnTracker (tool calls)', () => {
  it("measures a tool-only reply's latency on the follow-up reply the visitor actually hears", () => {
    const turns = new TurnTracker({ mode: 'realtime', serverVadSilenceMs: 500 });
    turns.visitorStoppedSpeaking(T0 + 1000);
    turns.speechCreated('tool-call', T0 + 1100, 'generate_reply');
    turns.speechCreated('follow-up', T0 + 1400, 'tool_response');
    expect(turns.speechDone('tool-call', { requestIds: ['resp_1'], interrupted: false })).toEqual([]);
    turns.metrics(realtimeMetrics('resp_2', 100));
    const [turn] = turns.speechDone('follow-up', {
      startedSpeakingAtMs: T0 + 1700,
      requestIds: ['resp_2'],
      interrupted: false,
    });
    expect(turn).toMatchObject({
      turn: 1,
      kind: 'turn',
      values: { e2eMs: 1200, afterVadMs: 700, modelMs: 100 },
    });
  });
});
