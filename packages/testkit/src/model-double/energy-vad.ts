import { rms } from '../audio/wav.ts';
import { REALTIME_RATE } from './audio-cache.ts';

const WINDOW = REALTIME_RATE / 100; // 10 ms
const SPEECH_RMS = 150;
const MIN_SPEECH_MS = 100;

export type VadEvent =
  | { type: 'speech_started'; audioMs: number }
  | { type: 'speech_stopped'; audioMs: number };

/** Server VAD stand-in: energy above a threshold starts speech, a silence window ends it. */
export class EnergyVad {
  private pending = new Int16Array(0);
  private audioMs = 0;
  private loudMs = 0;
  private quietMs = 0;
  speaking = false;

  constructor(public silenceMs: number) {}

  push(chunk: Int16Array): VadEvent[] {
    const joined = new Int16Array(this.pending.length + chunk.length);
    joined.set(this.pending);
    joined.set(chunk, this.pending.length);
    const events: VadEvent[] = [];
    let offset = 0;
    for (; offset + WINDOW <= joined.length; offset += WINDOW) {
      this.audioMs += 10;
      const loud = rms(joined, offset, offset + WINDOW) > SPEECH_RMS;
      if (!this.speaking) {
        this.loudMs = loud ? this.loudMs + 10 : 0;
        if (this.loudMs >= MIN_SPEECH_MS) {
          this.speaking = true;
          this.quietMs = 0;
          events.push({ type: 'speech_started', audioMs: this.audioMs - this.loudMs });
        }
      } else {
        this.quietMs = loud ? 0 : this.quietMs + 10;
        if (this.quietMs >= this.silenceMs) {
          this.speaking = false;
          this.loudMs = 0;
          events.push({ type: 'speech_stopped', audioMs: this.audioMs - this.quietMs });
        }
      }
    }
    this.pending = joined.slice(offset);
    return events;
  }

  reset(): void {
    this.pending = new Int16Array(0);
    this.speaking = false;
    this.loudMs = 0;
    this.quietMs = 0;
  }
}
