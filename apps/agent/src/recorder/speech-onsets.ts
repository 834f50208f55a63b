import type { SpeechOnsets } from '@voicedesk/core';
import { CHANNELS, FRAME_SAMPLES } from './audio-format.ts';

export interface SpeechOnsetOptions {
  /** RMS of a 20 ms frame (PCM16) above which a channel is speaking; well over a quiet mic's floor. */
  level?: number;
  /** Quiet this long before speech counts as a new onset (pauses inside a sentence do not). */
  quietMs?: number;
}

const FRAME_MS = 20;

/**
 * Where speech starts on each channel of the mixed timeline, in ms from sample 0: the API snaps
 * transcript lines to these, so a click on a line plays from its first word.
 */
export class SpeechOnsetDetector {
  readonly #level: number;
  readonly #quietFrames: number;
  readonly #onsets: SpeechOnsets = { left: [], right: [] };
  /** Frames each channel has been quiet for; starts "long quiet" so the first word counts. */
  readonly #quiet = { left: Number.POSITIVE_INFINITY, right: Number.POSITIVE_INFINITY };
  #frames = 0;

  constructor(options: SpeechOnsetOptions = {}) {
    this.#level = options.level ?? 500;
    this.#quietFrames = Math.ceil((options.quietMs ?? 300) / FRAME_MS);
  }

  /** One 20 ms frame of interleaved stereo, in timeline order. */
  push(interleaved: Int16Array): void {
    const at = this.#frames * FRAME_MS;
    this.#frames++;
    for (const [side, offset] of [
      ['left', 0],
      ['right', 1],
    ] as const) {
      let sum = 0;
      for (let i = offset; i < FRAME_SAMPLES * CHANNELS; i += CHANNELS) sum += (interleaved[i] ?? 0) ** 2;
      const speaking = Math.sqrt(sum / FRAME_SAMPLES) >= this.#level;
      if (speaking && this.#quiet[side] >= this.#quietFrames) this.#onsets[side].push(at);
      this.#quiet[side] = speaking ? 0 : this.#quiet[side] + 1;
    }
  }

  get onsets(): SpeechOnsets {
    return { left: [...this.#onsets.left], right: [...this.#onsets.right] };
  }
}
