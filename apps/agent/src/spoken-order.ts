import type { Segment } from '@voicedesk/core';

/** `staff:<staffUserId>`: the staff member holding the call, transcribed by the worker's own stream. */
export type Speaker = 'visitor' | 'ai' | `staff:${string}`;
type SpeakerKind = 'visitor' | 'ai' | 'staff';

function kindOf(speaker: Speaker): SpeakerKind {
  return speaker === 'visitor' || speaker === 'ai' ? speaker : 'staff';
}

export interface FinalUtterance {
  speaker: Speaker;
  text: string;
  /** When the final text became known (epoch ms). */
  at: number;
  /** Known speech bounds (epoch ms); otherwise taken from the matching speaking state. */
  startedAt?: number;
  endedAt?: number;
  language?: string;
  source: Segment['source'];
}

interface OpenSpeech {
  speaker: Speaker;
  startedAt: number;
  endedAt?: number;
  /** Once speech has ended, the text must arrive by then or the speech is forgotten. */
  expiresAt?: number;
}

interface Held {
  segment: Omit<Segment, 'seq'>;
  startedAt: number;
  arrivedAt: number;
  order: number;
}

export interface SpokenOrderOptions {
  /** How long after speech ends its final text may still arrive (transcription, playout commit). */
  graceMs?: Record<SpeakerKind, number>;
  /** Upper bound on holding any segment back, so a stuck speech cannot stall the transcript. */
  maxHoldMs?: number;
  /** Upper bound on a speech with no end seen (e.g. a state event that never came). */
  maxOpenMs?: number;
  /** The first seq this job may use (the API gives each assistant job of a call its own block). */
  firstSeq?: number;
}

const MAX_TEXT = 20_000;

/**
 * Gives segments their seq in the order they were spoken, not the order their text arrived:
 * a realtime visitor transcript can land after the reply that answered it, and an assistant
 * message is committed only after its playout. While someone is speaking whose text is still
 * outstanding, segments that started later are held back (bounded by timeouts).
 */
export class SpokenOrder {
  #nextSeq = 0;
  #order = 0;
  #open: OpenSpeech[] = [];
  #held: Held[] = [];
  readonly #graceMs: Record<SpeakerKind, number>;
  readonly #maxHoldMs: number;
  readonly #maxOpenMs: number;

  constructor(options: SpokenOrderOptions = {}) {
    this.#graceMs = options.graceMs ?? { visitor: 5_000, ai: 3_000, staff: 5_000 };
    this.#maxHoldMs = options.maxHoldMs ?? 30_000;
    this.#maxOpenMs = options.maxOpenMs ?? 120_000;
    this.#nextSeq = options.firstSeq ?? 0;
  }

  speechStarted(speaker: Speaker, at: number): void {
    this.#open.push({ speaker, startedAt: at });
  }

  speechEnded(speaker: Speaker, at: number): void {
    const speech = this.#open.find((s) => s.speaker === speaker && s.endedAt === undefined);
    if (!speech) return;
    speech.endedAt = Math.max(at, speech.startedAt);
    speech.expiresAt = speech.endedAt + this.#graceMs[kindOf(speaker)];
  }

  add(utterance: FinalUtterance): void {
    const index = this.#open.findIndex((s) => s.speaker === utterance.speaker);
    const speech = index >= 0 ? this.#open.splice(index, 1)[0] : undefined;
    const startedAt = utterance.startedAt ?? speech?.startedAt ?? utterance.at;
    const endedAt = Math.max(startedAt, utterance.endedAt ?? speech?.endedAt ?? utterance.at);
    const text = utterance.text.trim().slice(0, MAX_TEXT);
    if (!text) return;
    this.#held.push({
      segment: {
        speaker: utterance.speaker,
        text,
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(endedAt).toISOString(),
        source: utterance.source,
        ...(utterance.language ? { language: utterance.language.slice(0, 16) } : {}),
      },
      startedAt,
      arrivedAt: utterance.at,
      order: this.#order++,
    });
  }

  /** Segments whose place in the conversation is settled at `now`, numbered. */
  release(now: number): Segment[] {
    this.#open = this.#open.filter(
      (s) => (s.expiresAt === undefined || s.expiresAt > now) && now - s.startedAt < this.#maxOpenMs,
    );
    const cutoff = Math.min(...this.#open.map((s) => s.startedAt));
    const overdue = Math.max(
      ...this.#held.filter((h) => now - h.arrivedAt >= this.#maxHoldMs).map((h) => h.startedAt),
    );
    return this.#take((h) => h.startedAt < cutoff || h.startedAt <= overdue);
  }

  /** Everything still held, at job end. */
  drain(): Segment[] {
    this.#open = [];
    return this.#take(() => true);
  }

  #take(ready: (held: Held) => boolean): Segment[] {
    const out = this.#held.filter(ready).sort((a, b) => a.startedAt - b.startedAt || a.order - b.order);
    if (out.length === 0) return [];
    this.#held = this.#held.filter((h) => !ready(h));
    return out.map((h) => ({ ...h.segment, seq: this.#nextSeq++ }));
  }
}
