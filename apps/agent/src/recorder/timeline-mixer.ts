import { CHANNELS, FRAME_SAMPLES, SAMPLES_PER_MS } from './audio-format.ts';

/** The visitor is on the left; the assistant and staff on the right. */
export type Side = 'left' | 'right';

export interface TimelineMixerOptions {
  /** Receives each 20 ms of timeline as interleaved stereo PCM16, in order. */
  onFrame(interleaved: Int16Array): void;
  /** A track whose frames arrive this much later than where they would go continues after silence. */
  gapMs?: number;
  /**
   * How long that lateness must hold, without shrinking, before it counts as a gap. Frames held
   * up in our process (a busy event loop) arrive late in a burst and catch up, their lateness
   * shrinking with every frame, however slowly a starved process drains them: they stay
   * contiguous.
   */
  confirmMs?: number;
  /** How far behind the newest frame the timeline is mixed, so that every track's frames are in. */
  latencyMs?: number;
  /**
   * The timeline starts with the first frame of this side; the other side's frames before it are
   * dropped. A call starts when the visitor is there: the assistant waiting alone (silence) is
   * not part of it, and would make the recording longer than the call.
   */
  startOn?: Side;
}

export interface MixerTrack {
  /** A mono 48 kHz frame of this track, `arrivedAt` in monotonic milliseconds (performance.now()). */
  push(samples: Int16Array, arrivedAt: number): void;
  /** The track ended; what it delivered is still mixed. */
  close(): void;
}

interface MixerEnd {
  /** Timeline length in samples per channel: where the last frame of any track ended. */
  totalSamples: number;
  /** The mixed samples after the last whole 20 ms frame, interleaved (fewer than 960 per channel). */
  tail: Int16Array;
}

interface PlacedFrame {
  at: number;
  samples: Int16Array;
}

/** A run of frames that arrived later than their place, not yet known to be a gap or a stall. */
interface Suspect {
  first: PlacedFrame;
  /** When it opened: past MAX_SUSPECT_MS it is decided on what arrived. */
  opened: number;
  /** When its lateness last reached a new low: the frames were still catching up then. */
  since: number;
  minLateness: number;
}

/**
 * A hold-up drained this slowly is decided anyway, so the recording's memory and its lag behind
 * the call stay bounded.
 */
const MAX_SUSPECT_MS = 5_000;

class Lane {
  frames: PlacedFrame[] = [];
  next: number | null = null;
  suspect: Suspect | null = null;
  closed = false;
  lastArrival = 0;

  constructor(readonly side: Side) {}

  /** Moves the suspect frames (and what follows) to where they arrived: the track paused there. */
  resolveSuspect(gap: number): void {
    const suspect = this.suspect;
    this.suspect = null;
    if (!suspect || suspect.minLateness <= gap) return;
    const from = this.frames.indexOf(suspect.first);
    if (from < 0) return;
    for (const frame of this.frames.slice(from)) frame.at += suspect.minLateness;
    if (this.next !== null) this.next += suspect.minLateness;
  }
}

/**
 * Mixes every track onto one wall-clock timeline. Sample 0 is the arrival of the first frame of
 * any track. A track's first frame lands where it arrived (a track that starts late starts late
 * in the recording); its later frames follow contiguously, so a track never drifts, unless they
 * keep arriving more than `gapMs` late, when the track paused: the rest goes where it arrived,
 * after silence. Tracks on one side are summed with clipping. The timeline is mixed `latencyMs`
 * behind the newest frame, and never past the last frame of any track, so a room where nobody
 * publishes adds nothing.
 */
export class TimelineMixer {
  readonly #onFrame: (interleaved: Int16Array) => void;
  readonly #gap: number;
  readonly #confirmMs: number;
  readonly #latency: number;
  readonly #startOn: Side | undefined;
  readonly #lanes = new Set<Lane>();
  #origin: number | null = null;
  /** Samples per channel already handed to onFrame. */
  #mixed = 0;
  readonly #left = new Int32Array(FRAME_SAMPLES);
  readonly #right = new Int32Array(FRAME_SAMPLES);

  constructor(options: TimelineMixerOptions) {
    this.#onFrame = options.onFrame;
    this.#gap = Math.round((options.gapMs ?? 60) * SAMPLES_PER_MS);
    this.#confirmMs = options.confirmMs ?? 100;
    this.#latency = Math.round((options.latencyMs ?? 300) * SAMPLES_PER_MS);
    this.#startOn = options.startOn;
  }

  /** The monotonic instant of sample 0, once any frame arrived. */
  get origin(): number | null {
    return this.#origin;
  }

  addTrack(side: Side): MixerTrack {
    const lane = new Lane(side);
    this.#lanes.add(lane);
    return {
      push: (samples, arrivedAt) => this.#push(lane, samples, arrivedAt),
      close: () => {
        lane.closed = true;
      },
    };
  }

  #push(lane: Lane, samples: Int16Array, arrivedAt: number): void {
    if (lane.closed || samples.length === 0) return;
    if (this.#origin === null && this.#startOn && lane.side !== this.#startOn) return;
    this.#origin ??= arrivedAt;
    const arrival = Math.round((arrivedAt - this.#origin) * SAMPLES_PER_MS);
    // Nothing can be placed where the timeline is already mixed.
    const at = Math.max(lane.next ?? arrival, this.#mixed);
    const frame: PlacedFrame = { at, samples };
    lane.frames.push(frame);
    lane.next = at + samples.length;

    lane.lastArrival = arrivedAt;

    const lateness = arrival - at;
    const suspect = lane.suspect;
    if (suspect) {
      if (lateness <= this.#gap)
        lane.suspect = null; // caught up: it was a stall
      else if (lateness < suspect.minLateness) {
        // Still catching up: only a lateness that stops shrinking is a pause.
        suspect.minLateness = lateness;
        suspect.since = arrivedAt;
      } else if (arrivedAt - suspect.since >= this.#confirmMs) lane.resolveSuspect(this.#gap);
    } else if (lateness > this.#gap) {
      lane.suspect = { first: frame, opened: arrivedAt, since: arrivedAt, minLateness: lateness };
    }
    this.#mixUpTo(Math.min(arrival - this.#latency, this.#end()), arrivedAt);
  }

  /** Mixes everything that is left and pads the timeline's end to whole samples. */
  finish(): MixerEnd {
    for (const lane of this.#lanes) lane.resolveSuspect(this.#gap);
    const end = this.#end();
    this.#mixUpTo(end, Number.POSITIVE_INFINITY);
    const tailSamples = Math.max(0, end - this.#mixed);
    const tail = new Int16Array(tailSamples * CHANNELS);
    if (tailSamples > 0) {
      const frame = this.#mixFrame();
      tail.set(frame.subarray(0, tail.length));
    }
    for (const lane of this.#lanes) lane.closed = true;
    this.#lanes.clear();
    return { totalSamples: Math.max(end, this.#mixed), tail };
  }

  #end(): number {
    let end = this.#mixed;
    for (const lane of this.#lanes) if (lane.next !== null) end = Math.max(end, lane.next);
    return end;
  }

  /** `now`: the newest arrival, for deciding suspects that the timeline has reached. */
  #mixUpTo(horizon: number, now: number): void {
    while (this.#mixed + FRAME_SAMPLES <= horizon) {
      // The timeline waits at a suspect that is still catching up (where its frames go is not
      // known yet). One whose track went quiet, or that has waited too long, is decided now.
      for (const lane of this.#lanes) {
        const suspect = lane.suspect;
        if (!suspect || suspect.first.at >= this.#mixed + FRAME_SAMPLES) continue;
        const quiet = now - lane.lastArrival >= this.#confirmMs;
        if (!quiet && now - suspect.opened < MAX_SUSPECT_MS) return;
        lane.resolveSuspect(this.#gap);
      }
      this.#onFrame(this.#mixFrame());
      this.#mixed += FRAME_SAMPLES;
      for (const lane of this.#lanes) {
        if (lane.closed && lane.frames.length === 0) this.#lanes.delete(lane);
      }
    }
  }

  /** Sums the frames overlapping [mixed, mixed + 960) per side and drops those fully used. */
  #mixFrame(): Int16Array {
    const start = this.#mixed;
    const end = start + FRAME_SAMPLES;
    this.#left.fill(0);
    this.#right.fill(0);
    for (const lane of this.#lanes) {
      const sum = lane.side === 'left' ? this.#left : this.#right;
      let used = 0;
      for (const frame of lane.frames) {
        if (frame.at >= end) break;
        const from = Math.max(start, frame.at);
        const to = Math.min(end, frame.at + frame.samples.length);
        for (let t = from; t < to; t++)
          sum[t - start] = (sum[t - start] ?? 0) + (frame.samples[t - frame.at] ?? 0);
        if (frame.at + frame.samples.length <= end) used++;
        else break;
      }
      if (used > 0) lane.frames.splice(0, used);
    }
    const out = new Int16Array(FRAME_SAMPLES * CHANNELS);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      out[i * 2] = clip(this.#left[i] ?? 0);
      out[i * 2 + 1] = clip(this.#right[i] ?? 0);
    }
    return out;
  }
}

function clip(value: number): number {
  return Math.min(32_767, Math.max(-32_768, value));
}
