import { describe, expect, it } from 'vitest';
import { type AudioContextLike, listenForFirstGesture, Ringtone } from './ringtone.ts';

/** An AudioContext that counts the tones it was asked to play. */
function fakeAudio() {
  const made: FakeContext[] = [];
  class FakeContext implements AudioContextLike {
    state: AudioContextState = 'running';
    currentTime = 0;
    tones = 0;
    destination = {} as AudioNode;
    closed = false;
    constructor() {
      made.push(this);
    }
    resume = async () => {};
    close = async () => {
      this.closed = true;
    };
    createGain() {
      return {
        gain: { setValueAtTime: () => {}, linearRampToValueAtTime: () => {} },
        connect: () => {},
        disconnect: () => {},
      } as unknown as GainNode;
    }
    createOscillator() {
      return {
        frequency: { value: 0 },
        connect: () => {},
        start: () => {
          this.tones += 1;
        },
        stop: () => {},
      } as unknown as OscillatorNode;
    }
  }
  return { made, create: () => new FakeContext() };
}

/** Timers run by hand: a ring repeats every period while it rings. */
function manualTimers() {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    timers,
    setInterval: (fn: () => void) => {
      timers.set(next, fn);
      return next++;
    },
    clearInterval: (id: number) => void timers.delete(id),
    fire: () => {
      for (const fn of [...timers.values()]) fn();
    },
  };
}

describe('the offer ringtone', () => {
  it('stays silent until the first user gesture, then rings for an offer still ringing', () => {
    const audio = fakeAudio();
    const timers = manualTimers();
    const ring = new Ringtone({ createContext: audio.create, ...timers });
    ring.setRinging(true);
    // No AudioContext before a gesture: browsers would refuse to play (and warn) anyway.
    expect(audio.made).toHaveLength(0);
    expect(ring.sounding).toBe(false);
    expect(ring.needsGesture).toBe(true);
    ring.unlock();
    expect(ring.sounding).toBe(true);
    expect(audio.made[0]?.tones).toBeGreaterThan(0);
  });

  it('repeats while offers ring and stops at once when none does', () => {
    const audio = fakeAudio();
    const timers = manualTimers();
    const ring = new Ringtone({ createContext: audio.create, ...timers });
    ring.unlock();
    expect(audio.made[0]?.tones).toBe(0);
    ring.setRinging(true);
    const first = audio.made[0]?.tones ?? 0;
    timers.fire();
    expect(audio.made[0]?.tones).toBe(first * 2);
    ring.setRinging(false);
    expect(ring.sounding).toBe(false);
    expect(timers.timers.size).toBe(0);
    timers.fire();
    expect(audio.made[0]?.tones).toBe(first * 2);
  });

  it('reuses one AudioContext and closes it when disposed', () => {
    const audio = fakeAudio();
    const ring = new Ringtone({ createContext: audio.create, ...manualTimers() });
    ring.unlock();
    ring.unlock();
    ring.setRinging(true);
    ring.setRinging(false);
    ring.setRinging(true);
    expect(audio.made).toHaveLength(1);
    ring.dispose();
    expect(audio.made[0]?.closed).toBe(true);
    expect(ring.sounding).toBe(false);
  });

  it('a page without Web Audio stays silent rather than failing', () => {
    const ring = new Ringtone({
      createContext: () => {
        throw new Error('no AudioContext');
      },
      ...manualTimers(),
    });
    ring.unlock();
    ring.setRinging(true);
    expect(ring.sounding).toBe(false);
  });
});

describe('the first user gesture', () => {
  it('is a pointer press or a key press, heard once', () => {
    const target = new EventTarget();
    let heard = 0;
    listenForFirstGesture(target, () => {
      heard += 1;
    });
    target.dispatchEvent(new Event('mousemove'));
    expect(heard).toBe(0);
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('pointerdown'));
    expect(heard).toBe(1);
  });
});
