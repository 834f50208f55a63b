import type { metrics } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { mapAgentMetrics } from './metrics-mapping.ts';

const realtime: metrics.RealtimeModelMetrics = {
  type: 'realtime_model_metrics',
  label: 'openai_realtime',
  requestId: 'resp_1',
  timestamp: 1_800_000_000_000,
  durationMs: 1234.56,
  ttftMs: 321.04,
  cancelled: false,
  inputTokens: 120,
  outputTokens: 80,
  totalTokens: 200,
  tokensPerSecond: 64.8,
  inputTokenDetails: { audioTokens: 100, textTokens: 20, imageTokens: 0, cachedTokens: 10 },
  outputTokenDetails: { audioTokens: 70, textTokens: 10, imageTokens: 0 },
  metadata: { modelName: 'gpt-realtime', modelProvider: '127.0.0.1:9000' },
};

describe('mapAgentMetrics', () => {
  it('maps realtime metrics to ms and token counts', () => {
    expect(mapAgentMetrics(realtime, 2)).toEqual({
      turn: 2,
      kind: 'realtime',
      values: {
        ttftMs: 321,
        durationMs: 1234.6,
        inputTokens: 120,
        outputTokens: 80,
        totalTokens: 200,
        inputAudioTokens: 100,
        inputTextTokens: 20,
        inputCachedTokens: 10,
        outputAudioTokens: 70,
        outputTextTokens: 10,
        tokensPerSecond: 64.8,
        cancelled: false,
        model: 'gpt-realtime',
      },
    });
  });

  it('reports a response that produced no audio as ttft null, not -1', () => {
    expect(mapAgentMetrics({ ...realtime, ttftMs: -1, cancelled: true }, 0)?.values).toMatchObject({
      ttftMs: null,
      cancelled: true,
    });
  });

  it('maps the pipeline metrics', () => {
    const llm: metrics.LLMMetrics = {
      type: 'llm_metrics',
      label: 'openai.LLM',
      requestId: 'req',
      timestamp: 0,
      durationMs: 900,
      ttftMs: 250,
      cancelled: false,
      completionTokens: 30,
      promptTokens: 400,
      promptCachedTokens: 0,
      totalTokens: 430,
      tokensPerSecond: 33.3,
      speechId: 'speech_1',
    };
    const tts: metrics.TTSMetrics = {
      type: 'tts_metrics',
      label: 'openai.TTS',
      requestId: 'req',
      timestamp: 0,
      ttfbMs: 180,
      durationMs: 600,
      audioDurationMs: 2400,
      cancelled: false,
      charactersCount: 42,
      streamed: false,
    };
    const stt: metrics.STTMetrics = {
      type: 'stt_metrics',
      label: 'openai.STT',
      requestId: 'req',
      timestamp: 0,
      durationMs: 300,
      audioDurationMs: 1800,
      streamed: false,
    };
    const eou: metrics.EOUMetrics = {
      type: 'eou_metrics',
      timestamp: 0,
      endOfUtteranceDelayMs: 560,
      transcriptionDelayMs: 310,
      onUserTurnCompletedDelayMs: 0.2,
      lastSpeakingTimeMs: 1_800_000_000_000,
      speechId: 'speech_1',
    };
    expect(mapAgentMetrics(llm, 1)).toMatchObject({
      kind: 'llm',
      values: {
        ttftMs: 250,
        durationMs: 900,
        promptTokens: 400,
        completionTokens: 30,
        totalTokens: 430,
        model: null,
      },
    });
    expect(mapAgentMetrics(tts, 1)).toMatchObject({
      kind: 'tts',
      values: { ttfbMs: 180, audioDurationMs: 2400, charactersCount: 42, inputTokens: null },
    });
    expect(mapAgentMetrics(stt, 1)).toMatchObject({
      kind: 'stt',
      values: { durationMs: 300, audioDurationMs: 1800 },
    });
    expect(mapAgentMetrics(eou, 1)).toEqual({
      turn: 1,
      kind: 'eou',
      values: { endOfUtteranceDelayMs: 560, transcriptionDelayMs: 310, onUserTurnCompletedDelayMs: 0.2 },
    });
  });

  it('skips metrics with no per-turn meaning', () => {
    const vad: metrics.VADMetrics = {
      type: 'vad_metrics',
      label: 'silero.VAD',
      timestamp: 0,
      idleTimeMs: 10,
      inferenceDurationTotalMs: 3,
      inferenceCount: 30,
    };
    expect(mapAgentMetrics(vad, 0)).toBeNull();
  });

  it('never emits a non-finite number', () => {
    const values = mapAgentMetrics(
      { ...realtime, durationMs: Number.NaN, tokensPerSecond: Infinity },
      0,
    )?.values;
    expect(values).toMatchObject({ durationMs: null, tokensPerSecond: null });
  });
});
