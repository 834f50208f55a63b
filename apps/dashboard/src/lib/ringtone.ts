/** The parts of an AudioContext the ringtone uses (tests pass a counting fake). */
export interface AudioContextLike {
  readonly state: AudioContextState;
  readonly currentTime: number;
  readonly destination: AudioNode;
  resume(): Promise<void>;
  close(): Promise<void>;
  createOscillator(): OscillatorNode;
  createGain(): GainNode;
}

interface RingtoneOptions {
  createContext: () => AudioContextLike;
  setInterval?: (fn: () => void, ms: number) => number;
  clearInterval?: (id: number) => void;
  /** One ring and its pause. */
  periodMs?: number;
}

/** Two short bursts of a two-tone ring (440 + 480 Hz, the North American ringback pair). */
const BURSTS: ReadonlyArray<readonly [start: number, length: number]> = [
  [0, 0.4],
  [0.6, 0.4],
];
const VOLUME = 0.12;

/**
 * The offer ringtone, made with Web Audio (no audio file to fetch or allow in the
 * Content-Security-Policy). Browsers only let a page start sound after the user interacted with
 * it, so no AudioContext exists before `unlock()` (called on the first gesture): an offer that
 * arrives earlier rings from that gesture on, and the page shows why it is silent meanwhile.
 */
export class Ringtone {
  #context: AudioContextLike | undefined;
  #unlocked = false;
  #ringing = false;
  #timer: number | undefined;
  readonly #opts: Required<RingtoneOptions>;

  constructor(opts: RingtoneOptions) {
    this.#opts = {
      setInterval: (fn, ms) => window.setInterval(fn, ms),
      clearInterval: (id) => window.clearInterval(id),
      periodMs: 3000,
      ...opts,
    };
  }

  /** Something should ring, but the browser will not play it until the user interacts. */
  get needsGesture(): boolean {
    return this.#ringing && !this.#unlocked;
  }

  get sounding(): boolean {
    return this.#timer !== undefined;
  }

  unlock(): void {
    if (this.#unlocked) return;
    this.#unlocked = true;
    try {
      this.#context = this.#opts.createContext();
    } catch {
      // No Web Audio here: the card still shows, silently.
      this.#context = undefined;
    }
    this.#update();
  }

  setRinging(on: boolean): void {
    this.#ringing = on;
    this.#update();
  }

  dispose(): void {
    this.#ringing = false;
    this.#update();
    void this.#context?.close().catch(() => undefined);
    this.#context = undefined;
  }

  #update(): void {
    const shouldSound = this.#ringing && this.#context !== undefined;
    if (shouldSound && this.#timer === undefined) {
      this.#ring();
      this.#timer = this.#opts.setInterval(() => this.#ring(), this.#opts.periodMs);
    } else if (!shouldSound && this.#timer !== undefined) {
      this.#opts.clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #ring(): void {
    const ctx = this.#context;
    if (!ctx) return;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    const t0 = ctx.currentTime + 0.05;
    for (const [start, length] of BURSTS) {
      const gain = ctx.createGain();
      const from = t0 + start;
      // Short ramps: a tone switched on and off at full volume clicks.
      gain.gain.setValueAtTime(0, from);
      gain.gain.linearRampToValueAtTime(VOLUME, from + 0.02);
      gain.gain.setValueAtTime(VOLUME, from + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, from + length);
      gain.connect(ctx.destination);
      for (const hz of [440, 480]) {
        const osc = ctx.createOscillator();
        osc.frequency.value = hz;
        osc.connect(gain);
        osc.start(from);
        osc.stop(from + length);
      }
    }
  }
}

/** Calls `fn` once, on the first pointer or key press on `target`; returns how to stop listening. */
export function listenForFirstGesture(target: EventTarget, fn: () => void): () => void {
  const events = ['pointerdown', 'keydown', 'touchstart'] as const;
  const once = () => {
    stop();
    fn();
  };
  const stop = () => {
    for (const e of events) target.removeEventListener(e, once, { capture: true });
  };
  for (const e of events) target.addEventListener(e, once, { capture: true });
  return stop;
}
