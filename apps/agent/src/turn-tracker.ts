import type { metrics } from '@livekit/agents';
import type { Metric } from '@voicedesk/core';
import { mapAgentMetrics, num } from './metrics-mapping.ts';

export type VoiceMode = 'realtime' | 'pipeline';

/** What one agent speech turned out to be, read from its assistant ChatMessage(s). */
export interface SpeechOutcome {
  /** Epoch ms of the first audio frame; undefined when nothing was played. */
  startedSpeakingAtMs?: number;
  /** Pipeline only: the framework's own end-of-user-speech → first-audio measurement. */
  e2eLatencyMs?: number;
  llmTtftMs?: number;
  ttsTtfbMs?: number;
  /** Realtime response ids, which is how realtime metrics find their speech. */
  requestIds: string[];
  interrupted: boolean;
}

interface TurnRecord {
  turn: number;
  source?: string;
  visitorStoppedAtMs?: number;
  outcome?: SpeechOutcome;
  /** null: the response produced no audio. undefined: its metrics have not arrived yet. */
  realtimeTtftMs?: number | null;
  eou?: { endOfUtteranceDelayMs: number; transcriptionDelayMs: number };
  emitted: boolean;
}

/** A speech created this long after the visitor stopped is not an answer to that speech. */
const STALE_STOP_MS = 15_000;

/**
 * Numbers turns and attributes the framework's metrics to them. Turn n is the n-th agent speech
 * of the job (0 is the greeting). Besides the mapped raw metrics it derives one `turn` metric per
 * spoken reply: end of visitor speech → first agent audio (`e2eMs`), split into turn detection,
 * model time and the rest (`platformMs`).
 *
 * Realtime: the framework only sees the server VAD's speech_stopped, which arrives one silence
 * window after the visitor actually stopped, so that window is added back. Pipeline: the
 * framework measures e2e itself from the VAD (ChatMessage.metrics.e2eLatency).
 */
export class TurnTracker {
  #nextTurn = 0;
  #pendingStopAt: number | undefined;
  readonly #turns = new Map<number, TurnRecord>();
  readonly #bySpeech = new Map<string, number>();
  readonly #byRequest = new Map<string, number>();
  readonly #ttftByRequest = new Map<string, number | null>();
  readonly #kindCounts = new Map<string, number>();

  constructor(private readonly opts: { mode: VoiceMode; serverVadSilenceMs: number }) {}

  /** The turn of the most recent agent speech. */
  get currentTurn(): number {
    return Math.max(0, this.#nextTurn - 1);
  }

  visitorStoppedSpeaking(atMs: number): void {
    this.#pendingStopAt = atMs;
  }

  /** `source` is the framework's SpeechSource ('say' | 'generate_reply' | 'tool_response'). */
  speechCreated(speechId: string, atMs: number, source?: string): number {
    const turn = this.#nextTurn++;
    const record: TurnRecord = { turn, source, emitted: false };
    if (this.#pendingStopAt !== undefined && atMs - this.#pendingStopAt <= STALE_STOP_MS) {
      record.visitorStoppedAtMs = this.#pendingStopAt;
    }
    this.#pendingStopAt = undefined;
    this.#turns.set(turn, record);
    this.#bySpeech.set(speechId, turn);
    return turn;
  }

  /** Maps one framework metric; may also complete a pending `turn` metric. */
  metrics(m: metrics.AgentMetrics): Metric[] {
    const turn = this.#turnFor(m);
    const out: Metric[] = [];
    const mapped = mapAgentMetrics(m, turn);
    if (mapped) out.push(this.#unique(mapped));
    if (m.type === 'realtime_model_metrics') {
      const ttft = m.ttftMs >= 0 ? m.ttftMs : null;
      this.#ttftByRequest.set(m.requestId, ttft);
      const record = this.#record(this.#byRequest.get(m.requestId));
      if (record && record.realtimeTtftMs === undefined) {
        record.realtimeTtftMs = ttft;
        out.push(...this.#emitIfReady(record, false));
      }
    } else if (m.type === 'eou_metrics') {
      const record = this.#record(m.speechId ? this.#bySpeech.get(m.speechId) : undefined);
      if (record) {
        record.eou = {
          endOfUtteranceDelayMs: m.endOfUtteranceDelayMs,
          transcriptionDelayMs: m.transcriptionDelayMs,
        };
      }
    }
    return out;
  }

  speechDone(speechId: string, outcome: SpeechOutcome): Metric[] {
    const record = this.#record(this.#bySpeech.get(speechId));
    if (!record || record.outcome) return [];
    record.outcome = outcome;
    // A reply that only called a tool said nothing: the visitor first hears the tool's follow-up
    // reply (realtime makes it a separate speech, created right after), so that one answers them.
    const followUp = this.#turns.get(record.turn + 1);
    if (
      outcome.startedSpeakingAtMs === undefined &&
      followUp?.source === 'tool_response' &&
      followUp.visitorStoppedAtMs === undefined &&
      !followUp.emitted
    ) {
      followUp.visitorStoppedAtMs = record.visitorStoppedAtMs;
    }
    for (const id of outcome.requestIds) {
      this.#byRequest.set(id, record.turn);
      const ttft = this.#ttftByRequest.get(id);
      if (ttft !== undefined && record.realtimeTtftMs === undefined) record.realtimeTtftMs = ttft;
    }
    return this.#emitIfReady(record, false);
  }

  /** At job end: emits every turn metric still waiting for its realtime metrics. */
  flush(): Metric[] {
    return [...this.#turns.values()].flatMap((record) => this.#emitIfReady(record, true));
  }

  #record(turn: number | undefined): TurnRecord | undefined {
    return turn === undefined ? undefined : this.#turns.get(turn);
  }

  #turnFor(m: metrics.AgentMetrics): number {
    switch (m.type) {
      case 'llm_metrics':
      case 'tts_metrics':
      case 'eou_metrics':
        return (m.speechId ? this.#bySpeech.get(m.speechId) : undefined) ?? this.currentTurn;
      case 'stt_metrics':
        // The transcript feeds the reply that is about to be created.
        return this.#nextTurn;
      case 'realtime_model_metrics':
        return this.#byRequest.get(m.requestId) ?? this.currentTurn;
      default:
        return this.currentTurn;
    }
  }

  /** The API upserts by (turn, kind): a second LLM call in one turn must not overwrite the first. */
  #unique(metric: Metric): Metric {
    const key = `${metric.turn}:${metric.kind}`;
    const count = (this.#kindCounts.get(key) ?? 0) + 1;
    this.#kindCounts.set(key, count);
    return count === 1 ? metric : { ...metric, kind: `${metric.kind}_${count}` };
  }

  #emitIfReady(record: TurnRecord, force: boolean): Metric[] {
    const outcome = record.outcome;
    if (record.emitted || !outcome) return [];
    if (outcome.startedSpeakingAtMs === undefined) {
      record.emitted = true; // nothing was played: there is no latency to report
      return [];
    }
    const waitingForModel =
      this.opts.mode === 'realtime' && record.realtimeTtftMs === undefined && outcome.requestIds.length > 0;
    if (waitingForModel && !force) return [];
    record.emitted = true;
    return [this.#unique(this.#turnMetric(record, outcome, outcome.startedSpeakingAtMs))];
  }

  #turnMetric(record: TurnRecord, outcome: SpeechOutcome, startedAt: number): Metric {
    const platform = (e2e: number | null, detection: number | null, model: number | null) =>
      e2e === null || detection === null || model === null
        ? null
        : // Preemptive generation overlaps model time with turn detection; overhead cannot be < 0.
          num(Math.max(0, e2e - detection - model));

    if (this.opts.mode === 'realtime') {
      const afterVad =
        record.visitorStoppedAtMs === undefined ? null : num(startedAt - record.visitorStoppedAtMs);
      const detection = this.opts.serverVadSilenceMs;
      const e2e = afterVad === null ? null : num(afterVad + detection);
      const model = num(record.realtimeTtftMs);
      return {
        turn: record.turn,
        kind: 'turn',
        values: {
          mode: 'realtime',
          e2eMs: e2e,
          turnDetectionMs: e2e === null ? null : detection,
          modelMs: model,
          platformMs: platform(e2e, detection, model),
          afterVadMs: afterVad,
          // Wall-clock ends of the agent's part (epoch ms), so a trace can be lined up with the
          // visitor's clock to split the two WebRTC hops from the agent's own time.
          visitorStoppedAt: record.visitorStoppedAtMs ?? null,
          firstAudioAt: num(startedAt),
          interrupted: outcome.interrupted,
        },
      };
    }

    const e2e = num(outcome.e2eLatencyMs);
    const detection = num(record.eou?.endOfUtteranceDelayMs);
    const llm = num(outcome.llmTtftMs);
    const tts = num(outcome.ttsTtfbMs);
    const model = llm === null || tts === null ? null : num(llm + tts);
    return {
      turn: record.turn,
      kind: 'turn',
      values: {
        mode: 'pipeline',
        e2eMs: e2e,
        turnDetectionMs: e2e === null ? null : detection,
        modelMs: model,
        platformMs: platform(e2e, detection, model),
        llmTtftMs: llm,
        ttsTtfbMs: tts,
        transcriptionDelayMs: num(record.eou?.transcriptionDelayMs),
        interrupted: outcome.interrupted,
      },
    };
  }
}
