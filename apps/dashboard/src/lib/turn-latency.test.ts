import { describe, expect, it } from 'vitest';
import { turnRows } from './turn-latency.ts';

describe('per-turn latency and usage from a call’s metrics', () => {
  it('adds up a pipeline turn: end of turn, model’s first token, voice’s first byte', () => {
    const rows = turnRows([
      { turn: 1, kind: 'tts', values: { ttfbMs: 180.4 } },
      { turn: 1, kind: 'eou', values: { endOfUtteranceDelayMs: 320 } },
      { turn: 1, kind: 'llm', values: { ttftMs: 410, promptTokens: 900, completionTokens: 42 } },
    ]);
    expect(rows).toEqual([
      {
        turn: 1,
        responseMs: 910,
        parts: [
          { label: 'end of turn', ms: 320 },
          { label: 'model', ms: 410 },
          { label: 'voice', ms: 180 },
        ],
        inputTokens: 900,
        outputTokens: 42,
      },
    ]);
  });

  it('takes a realtime turn’s time to first audio, in turn order, and leaves unknowns empty', () => {
    const rows = turnRows([
      { turn: 2, kind: 'realtime', values: { ttftMs: null, inputTokens: 10, outputTokens: 0 } },
      { turn: 0, kind: 'realtime', values: { ttftMs: 650, inputTokens: 300, outputTokens: 120 } },
    ]);
    expect(rows.map((r) => [r.turn, r.responseMs, r.inputTokens])).toEqual([
      [0, 650, 300],
      [2, null, 10],
    ]);
  });

  it('leaves the call setup trace out: a greeting played from the kept audio is no turn', () => {
    expect(turnRows([{ turn: 0, kind: 'setup', values: { jobAt: 1, greetingSource: 'cache' } }])).toEqual([]);
  });
});
