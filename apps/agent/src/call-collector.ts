import { llm, voice } from '@livekit/agents';
import type { Segment } from '@voicedesk/core';
import type { AgentLogger } from './logger.ts';
import { msFromSeconds } from './metrics-mapping.ts';
import type { Reporter } from './reporter.ts';
import { type Speaker, SpokenOrder } from './spoken-order.ts';
import { type SpeechOutcome, TurnTracker, type VoiceMode } from './turn-tracker.ts';

export interface CallCollectorOptions {
  reporter: Reporter;
  mode: VoiceMode;
  source: Segment['source'];
  language: string;
  serverVadSilenceMs: number;
  /** From the API: this job's block of segment numbers. */
  firstSeq: number;
  logger: AgentLogger;
  releaseIntervalMs?: number;
}

/**
 * Speech the worker transcribes with its own streams, outside the voice session: the staff
 * member, and the visitor while staff hold the call (the session hears nobody then).
 */
export type HeardSpeech =
  | { type: 'started' | 'ended'; speaker: Speaker; at: number }
  | { type: 'final'; speaker: Speaker; at: number; text: string; language?: string };

export interface CallCollector {
  /** Places speech transcribed outside the session among the session's, in spoken order. */
  heard(speech: HeardSpeech): void;
  /** Hands every held segment and pending turn metric to the reporter; call once, at job end. */
  drain(): void;
}

const Events = voice.AgentSessionEventTypes;

function assistantMessages(items: readonly llm.ChatItem[]): llm.ChatMessage[] {
  return items.filter(
    (item): item is llm.ChatMessage => item instanceof llm.ChatMessage && item.role === 'assistant',
  );
}

function outcomeOf(handle: voice.SpeechHandle): SpeechOutcome {
  const messages = assistantMessages(handle.chatItems);
  const spoken = messages.find((m) => m.metrics.startedSpeakingAt !== undefined);
  return {
    startedSpeakingAtMs: msFromSeconds(spoken?.metrics.startedSpeakingAt),
    e2eLatencyMs: msFromSeconds(spoken?.metrics.e2eLatency),
    llmTtftMs: msFromSeconds(spoken?.metrics.llmNodeTtft),
    ttsTtfbMs: msFromSeconds(spoken?.metrics.ttsNodeTtfb),
    requestIds: messages.flatMap((m) => m.metrics.providerRequestIds ?? []),
    interrupted: handle.interrupted,
  };
}

/**
 * Turns the session's events into transcript segments and per-turn metrics for the reporter.
 * Visitor text comes from final `user_input_transcribed` events, assistant text from
 * `conversation_item_added` (the text as it was spoken: truncated when interrupted).
 */
export function attachCallCollector(session: voice.AgentSession, opts: CallCollectorOptions): CallCollector {
  const { reporter, logger } = opts;
  const order = new SpokenOrder({ firstSeq: opts.firstSeq });
  const turns = new TurnTracker({ mode: opts.mode, serverVadSilenceMs: opts.serverVadSilenceMs });
  let segments = 0;

  const report = (metrics: ReturnType<TurnTracker['metrics']>) => {
    for (const metric of metrics) reporter.addMetric(metric);
  };
  const release = (list: Segment[]) => {
    segments += list.length;
    for (const segment of list) reporter.addSegment(segment);
  };
  // Event handlers run inside the framework: a bug here must cost a metric, never the call.
  const guard =
    <A extends unknown[]>(name: string, fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch (error) {
        logger.error(
          { handler: name, error: error instanceof Error ? error.name : 'unknown' },
          'collector failed',
        );
      }
    };

  session.on(
    Events.UserStateChanged,
    guard('user_state_changed', (ev: voice.UserStateChangedEvent) => {
      if (ev.newState === 'speaking') order.speechStarted('visitor', ev.createdAt);
      if (ev.oldState === 'speaking') {
        order.speechEnded('visitor', ev.createdAt);
        turns.visitorStoppedSpeaking(ev.createdAt);
      }
    }),
  );

  session.on(
    Events.AgentStateChanged,
    guard('agent_state_changed', (ev: voice.AgentStateChangedEvent) => {
      if (ev.newState === 'speaking') order.speechStarted('ai', ev.createdAt);
      if (ev.oldState === 'speaking') order.speechEnded('ai', ev.createdAt);
    }),
  );

  session.on(
    Events.UserInputTranscribed,
    guard('user_input_transcribed', (ev: voice.UserInputTranscribedEvent) => {
      if (!ev.isFinal) return;
      // An empty final still closes the visitor's open speech, so later segments are not held.
      order.add({
        speaker: 'visitor',
        text: ev.transcript,
        at: ev.createdAt,
        language: ev.language ?? opts.language,
        source: opts.source,
      });
    }),
  );

  session.on(
    Events.ConversationItemAdded,
    guard('conversation_item_added', (ev: voice.ConversationItemAddedEvent) => {
      const item = ev.item;
      if (!(item instanceof llm.ChatMessage) || item.role !== 'assistant') return;
      order.add({
        speaker: 'ai',
        text: item.textContent ?? '',
        at: ev.createdAt,
        startedAt: msFromSeconds(item.metrics.startedSpeakingAt) ?? item.createdAt,
        endedAt: msFromSeconds(item.metrics.stoppedSpeakingAt),
        language: opts.language,
        source: opts.source,
      });
    }),
  );

  session.on(
    Events.SpeechCreated,
    guard('speech_created', (ev: voice.SpeechCreatedEvent) => {
      const handle = ev.speechHandle;
      turns.speechCreated(handle.id, ev.createdAt, ev.source);
      handle.addDoneCallback(
        guard('speech_done', (done: voice.SpeechHandle) =>
          report(turns.speechDone(done.id, outcomeOf(done))),
        ),
      );
    }),
  );

  session.on(
    Events.MetricsCollected,
    guard('metrics_collected', (ev: voice.MetricsCollectedEvent) => report(turns.metrics(ev.metrics))),
  );

  const timer = setInterval(
    guard('release', () => release(order.release(Date.now()))),
    opts.releaseIntervalMs ?? 250,
  );

  return {
    heard: guard('heard', (speech: HeardSpeech) => {
      if (speech.type === 'final') {
        order.add({
          speaker: speech.speaker,
          text: speech.text,
          at: speech.at,
          language: speech.language ?? opts.language,
          source: 'stt',
        });
      } else if (speech.type === 'started') order.speechStarted(speech.speaker, speech.at);
      else order.speechEnded(speech.speaker, speech.at);
    }),
    drain() {
      clearInterval(timer);
      release(order.drain());
      report(turns.flush());
      logger.info({ segments, turns: turns.currentTurn + 1 }, 'call collector drained');
    },
  };
}
