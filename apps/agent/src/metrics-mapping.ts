import type { metrics } from '@livekit/agents';
import type { Metric } from '@voicedesk/core';

type Values = Metric['values'];

/** Finite numbers rounded to 0.1 (ms or tokens); anything else becomes null so the contract holds. */
export function num(value: number | undefined | null): number | null {
  if (value === undefined || value === null || !Number.isFinite(value)) return null;
  return Math.round(value * 10) / 10;
}

/** Milliseconds from seconds, as the framework's ChatMessage metrics report them. */
export function msFromSeconds(value: number | undefined): number | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : value * 1000;
}

function model(m: { metadata?: metrics.MetricsMetadata }): Values {
  return { model: m.metadata?.modelName ?? null };
}

/**
 * The framework's metric objects as `{ kind, values }` for the API: times in ms, token and
 * character counts as numbers. Metrics with no per-turn meaning (VAD idle time, avatar and
 * turn-detector telemetry, which this agent does not use) map to null and are not stored.
 */
export function mapAgentMetrics(m: metrics.AgentMetrics, turn: number): Metric | null {
  switch (m.type) {
    case 'realtime_model_metrics':
      return {
        turn,
        kind: 'realtime',
        values: {
          // -1 is the framework's "no audio was produced" (e.g. cancelled before the first delta)
          ttftMs: m.ttftMs >= 0 ? num(m.ttftMs) : null,
          durationMs: num(m.durationMs),
          inputTokens: num(m.inputTokens),
          outputTokens: num(m.outputTokens),
          totalTokens: num(m.totalTokens),
          inputAudioTokens: num(m.inputTokenDetails?.audioTokens),
          inputTextTokens: num(m.inputTokenDetails?.textTokens),
          inputCachedTokens: num(m.inputTokenDetails?.cachedTokens),
          outputAudioTokens: num(m.outputTokenDetails?.audioTokens),
          outputTextTokens: num(m.outputTokenDetails?.textTokens),
          tokensPerSecond: num(m.tokensPerSecond),
          cancelled: m.cancelled,
          ...model(m),
        },
      };
    case 'llm_metrics':
      return {
        turn,
        kind: 'llm',
        values: {
          ttftMs: num(m.ttftMs),
          durationMs: num(m.durationMs),
          promptTokens: num(m.promptTokens),
          promptCachedTokens: num(m.promptCachedTokens),
          completionTokens: num(m.completionTokens),
          totalTokens: num(m.totalTokens),
          tokensPerSecond: num(m.tokensPerSecond),
          cancelled: m.cancelled,
          ...model(m),
        },
      };
    case 'stt_metrics':
      return {
        turn,
        kind: 'stt',
        values: {
          durationMs: num(m.durationMs),
          audioDurationMs: num(m.audioDurationMs),
          inputTokens: num(m.inputTokens),
          outputTokens: num(m.outputTokens),
          streamed: m.streamed,
          ...model(m),
        },
      };
    case 'tts_metrics':
      return {
        turn,
        kind: 'tts',
        values: {
          ttfbMs: num(m.ttfbMs),
          durationMs: num(m.durationMs),
          audioDurationMs: num(m.audioDurationMs),
          charactersCount: num(m.charactersCount),
          inputTokens: num(m.inputTokens),
          outputTokens: num(m.outputTokens),
          cancelled: m.cancelled,
          streamed: m.streamed,
          ...model(m),
        },
      };
    case 'eou_metrics':
      return {
        turn,
        kind: 'eou',
        values: {
          endOfUtteranceDelayMs: num(m.endOfUtteranceDelayMs),
          transcriptionDelayMs: num(m.transcriptionDelayMs),
          onUserTurnCompletedDelayMs: num(m.onUserTurnCompletedDelayMs),
        },
      };
    default:
      return null;
  }
}
