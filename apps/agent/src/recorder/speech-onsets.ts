import type { SpeechOnsets } from '@voicedesk/core';
import { CHANNELS, FRAME_SAMPLES } from './audio-format.ts';

export interface SpeechOnsetOptions {
  /** RMS over 20 ms (PCM16) above which a channel is speaking; well over a quiet mic's floor. */
  level?: number;
  /** Quiet this long before speech counts as a new onset (pauses inside a sentence do not). */
  quietMs?: number;
}

/** Onsets are found on 20 ms windows sliding by 5 ms: a 20 ms frame alone would put them up to 20 ms late. */
const STEP_MS = 5;
const STEP_SAMPLES = 240;
const STEPS_PER_WINDOW = 4;
const STEPS_PER_FRAME = FRAME_SAMPLES / STEP_SAMPLES;

const SIDES = [
  ['left', 0],
  ['right', 1],
] as const;

/**
 * Where speech starts on each channel of the mixed timeline, in ms from sample 0: the API snaps
 * transcript lines to these, so a click on a line plays from its first word.
 */
export class SpeechOnsetDetector {
  readonly #level: number;
  readonly #quietSteps: number;
  readonly #onsets: SpeechOnsets = { left: [], right: [] };
  /** Sums of squares of each channel's last four 5 ms steps. */
  readonly #recent = { left: [] as number[], right: [] as number[] };
  /** Steps each channel has been quiet for; starts "long quiet" so the first word counts. */
  readonly #quiet = { left: Number.POSITIVE_INFINITY, right: Number.POSITIVE_INFINITY };
  #steps = 0;

  constructor(options: SpeechOnsetOptions = {}) {
    this.#level = options.level ?? 300;
    this.#quietSteps = Math.ceil((options.quietMs ?? 300) / STEP_MS);
  }

  /** One 20 ms frame of interleaved stereo, in timeline order. */
  push(interleaved: Int16Array): void {
    for (let step = 0; step < STEPS_PER_FRAME; step++) {
      this.#steps++;
      const base = step * STEP_SAMPLES * CHANNELS;
      for (const [side, offset] of SIDES) {
        let sum = 0;
        for (let i = 0; i < STEP_SAMPLES; i++) sum += (interleaved[base + i * CHANNELS + offset] ?? 0) ** 2;
        const recent = this.#recent[side];
        recent.push(sum);
        if (recent.length > STEPS_PER_WINDOW) recent.shift();
        const window = recent.reduce((a, b) => a + b, 0);
        const speaking = Math.sqrt(window / (recent.length * STEP_SAMPLES)) >= this.#level;
        if (speaking && this.#quiet[side] >= this.#quietSteps) {
          // Speech starts at the window's first step that is loud on its own, not at the window's edge.
          const half = (this.#level / 2) ** 2 * STEP_SAMPLES;
          const first = Math.max(
            0,
            recent.findIndex((e) => e >= half),
          );
          this.#onsets[side].push((this.#steps - recent.length + first) * STEP_MS);
        }
        this.#quiet[side] = speaking ? 0 : this.#quiet[side] + 1;
      }
    }
  }

  get onsets(): SpeechOnsets {
    return { left: [...this.#onsets.left], right: [...this.#onsets.right] };
  }
}
