import type { TurnMetric } from '../api/call-detail.ts';

export interface TurnRow {
  turn: number;
  /** From the visitor's end of speech to the assistant's first audio, as far as the metrics tell. */
  responseMs: number | null;
  /** What the response time is made of, e.g. `end of turn 320 ms · model 410 ms · voice 180 ms`. */
  parts: { label: string; ms: number }[];
  inputTokens: number | null;
  outputTokens: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * One row per turn from the agent's metrics (apps/agent/src/metrics-mapping.ts): with a realtime
 * model the response time is its time to first audio; in a pipeline it is the end-of-turn delay,
 * the LLM's time to first token and the voice's time to first byte, added up.
 */
export function turnRows(metrics: readonly TurnMetric[]): TurnRow[] {
  const turns = new Map<number, Map<string, TurnMetric['values']>>();
  for (const m of metrics) {
    // The call's setup trace is not a turn (see call-setup.ts).
    if (m.kind === 'setup') continue;
    const kinds = turns.get(m.turn) ?? new Map();
    kinds.set(m.kind, m.values);
    turns.set(m.turn, kinds);
  }
  return [...turns.entries()]
    .sort(([a], [b]) => a - b)
    .map(([turn, kinds]) => {
      const realtime = kinds.get('realtime');
      const parts: TurnRow['parts'] = [];
      const add = (label: string, v: unknown) => {
        const ms = num(v);
        if (ms !== null) parts.push({ label, ms: Math.round(ms) });
      };
      let inputTokens: number | null = null;
      let outputTokens: number | null = null;
      if (realtime) {
        add('model', realtime.ttftMs);
        inputTokens = num(realtime.inputTokens);
        outputTokens = num(realtime.outputTokens);
      } else {
        add('end of turn', kinds.get('eou')?.endOfUtteranceDelayMs);
        add('model', kinds.get('llm')?.ttftMs);
        add('voice', kinds.get('tts')?.ttfbMs);
        inputTokens = num(kinds.get('llm')?.promptTokens);
        outputTokens = num(kinds.get('llm')?.completionTokens);
      }
      const responseMs = parts.length ? parts.reduce((sum, p) => sum + p.ms, 0) : null;
      return { turn, responseMs, parts, inputTokens, outputTokens };
    });
}
