import { describe, expect, it } from 'vitest';
import { type MixerTrack, TimelineMixer } from './timeline-mixer.ts';

const FRAME_MS = 10;
const FRAME = 480; // 10 ms at 48 kHz, as rtc-node's AudioStream delivers

/** Collects the mixed timeline as two channels, the tail handed back by finish() included. */
function mixer(options: { latencyMs?: number; startOn?: 'left' | 'right' } = {}) {
  const frames: Int16Array[] = [];
  const mix = new TimelineMixer({ ...options, onFrame: (frame) => frames.push(frame) });
  const finish = mix.finish.bind(mix);
  mix.finish = () => {
    const end = finish();
    frames.push(end.tail);
    return end;
  };
  return {
    mix,
    channels() {
      const all = frames.flatMap((frame) => [...frame]);
      return {
        left: all.filter((_, i) => i % 2 === 0),
        right: all.filter((_, i) => i % 2 === 1),
      };
    },
  };
}

const constant = (value: number) => new Int16Array(FRAME).fill(value);

/** Frames of `value` arriving every 10 ms from `fromMs` for `durationMs`. */
function play(track: MixerTrack, value: number, fromMs: number, durationMs: number) {
  for (let t = fromMs; t < fromMs + durationMs; t += FRAME_MS) track.push(constant(value), t);
}

/** Runs of equal values: [value, length] pairs, so a timeline reads at a glance. */
function runs(samples: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const sample of samples) {
    const last = out.at(-1);
    if (last && last[0] === sample) last[1]++;
    else out.push([sample, 1]);
  }
  return out;
}

const ms = (n: number) => n * 48;

/** How late each frame of a continuous track arrives, in turn: a network's jitter, under the gap. */
const NETWORK_JITTER_MS = [0, 25, 3, 40, 12, 0, 30, 8];

describe('TimelineMixer', () => {
  it('starts the timeline at the first frame of any track and places a late track at its arrival', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    const assistant = mix.addTrack('right');
    // Both tracks' frames interleave in arrival order, as two AudioStreams would deliver them.
    for (let t = 1_000; t < 2_000; t += FRAME_MS) {
      visitor.push(constant(100), t);
      if (t >= 1_400) assistant.push(constant(200), t);
    }
    const end = mix.finish();

    expect(end.totalSamples).toBe(ms(1_000));
    const { left, right } = channels();
    expect(runs(left)).toEqual([[100, ms(1_000)]]);
    expect(runs(right)).toEqual([
      [0, ms(400)],
      [200, ms(600)],
    ]);
  });

  it("with startOn, starts the timeline at that side's first frame and drops the other side before it", () => {
    const { mix, channels } = mixer({ startOn: 'left' });
    const visitor = mix.addTrack('left');
    const assistant = mix.addTrack('right');
    // The assistant is in the room (publishing silence) before the visitor joins at 1.5 s.
    for (let t = 1_000; t < 2_500; t += FRAME_MS) {
      assistant.push(constant(t < 1_800 ? 0 : 200), t);
      if (t >= 1_500) visitor.push(constant(100), t);
    }
    expect(mix.origin).toBe(1_500);
    const end = mix.finish();
    expect(end.totalSamples).toBe(ms(1_000));
    const { left, right } = channels();
    expect(runs(left)).toEqual([[100, ms(1_000)]]);
    expect(runs(right)).toEqual([
      [0, ms(300)],
      [200, ms(700)],
    ]);
  });

  it('fills a pause in a track with silence and goes on where the track resumed', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    play(visitor, 100, 0, 500);
    play(visitor, 300, 1_000, 500);
    // Shorter than the mixing latency: it takes 100 ms of frames still arriving late to tell.
    play(visitor, 500, 1_650, 500);
    mix.finish();

    expect(runs(channels().left)).toEqual([
      [100, ms(500)],
      [0, ms(500)],
      [300, ms(500)],
      [0, ms(150)],
      [500, ms(500)],
    ]);
  });

  it('keeps frames contiguous when they arrive late in a burst and catch up (a busy event loop)', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    play(visitor, 100, 0, 500);
    // 150 ms held up, then delivered at once; the track goes on in time after that.
    for (let i = 0; i < 15; i++) visitor.push(constant(200), 650);
    play(visitor, 300, 660, 340);
    mix.finish();

    expect(runs(channels().left)).toEqual([
      [100, ms(500)],
      [200, ms(150)],
      [300, ms(340)],
    ]);
  });

  it('keeps frames contiguous when a long hold-up drains slowly (a starved process catching up)', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    const assistant = mix.addTrack('right');
    // Both tracks' frames interleave in arrival order, as two AudioStreams would deliver them.
    const both = (left: number, right: number, at: number) => {
      visitor.push(constant(left), at);
      assistant.push(constant(right), at);
    };
    for (let t = 0; t < 500; t += FRAME_MS) both(100, 1, t);
    // Held up 400 ms, longer than the mixing latency, then handed over twice as fast as real
    // time until caught up: the frames of 800 ms over 400 ms, both tracks alike.
    for (let i = 0; i < 80; i++) both(200, 2, 900 + i * 5);
    for (let t = 1_300; t < 1_800; t += FRAME_MS) both(300, 3, t);
    const end = mix.finish();

    expect(end.totalSamples).toBe(ms(1_800));
    expect(runs(channels().left)).toEqual([
      [100, ms(500)],
      [200, ms(800)],
      [300, ms(500)],
    ]);
    expect(runs(channels().right)).toEqual([
      [1, ms(500)],
      [2, ms(800)],
      [3, ms(500)],
    ]);
  });

  it('still finds a pause when the frames after it arrive with jitter', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    play(visitor, 100, 0, 500);
    // 400 ms with nothing, then real time again with the jitter of a network.
    for (let i = 0; i < 50; i++)
      visitor.push(
        constant(300),
        900 + i * FRAME_MS + (NETWORK_JITTER_MS[i % NETWORK_JITTER_MS.length] ?? 0),
      );
    mix.finish();

    expect(runs(channels().left)).toEqual([
      [100, ms(500)],
      [0, ms(400)],
      [300, ms(500)],
    ]);
  });

  it('does not drift: jittery arrivals of a continuous track stay back to back', () => {
    const { mix, channels } = mixer();
    const visitor = mix.addTrack('left');
    for (let i = 0; i < 1_000; i++)
      visitor.push(constant(1), i * FRAME_MS + (NETWORK_JITTER_MS[i % NETWORK_JITTER_MS.length] ?? 0));
    const end = mix.finish();

    expect(end.totalSamples).toBe(1_000 * FRAME);
    expect(runs(channels().left)).toEqual([[1, 1_000 * FRAME]]);
  });

  it('sums the tracks of one side, with clipping', () => {
    const { mix, channels } = mixer();
    const assistant = mix.addTrack('right');
    const staff = mix.addTrack('right');
    for (let t = 0; t < 200; t += FRAME_MS) {
      assistant.push(constant(t < 100 ? 1_000 : 30_000), t);
      staff.push(constant(t < 100 ? 2_000 : 30_000), t);
    }
    mix.finish();

    const { left, right } = channels();
    expect(runs(left)).toEqual([[0, ms(200)]]);
    expect(runs(right)).toEqual([
      [3_000, ms(100)],
      [32_767, ms(100)],
    ]);
  });

  it('mixes behind the newest frame and hands back the end that is not a whole 20 ms', () => {
    const { mix, channels } = mixer({ latencyMs: 300 });
    const visitor = mix.addTrack('left');
    play(visitor, 7, 0, 1_010);
    // 1010 ms arrived; the last 300 ms wait for other tracks' frames.
    expect(channels().left.length).toBe(ms(700));

    const end = mix.finish();
    expect(end.totalSamples).toBe(ms(1_010));
    expect(end.tail.length).toBe(ms(10) * 2);
    expect(runs(channels().left)).toEqual([[7, ms(1_010)]]);
  });

  it('adds nothing while no track delivers: the timeline ends with the last frame', () => {
    const { mix } = mixer();
    const visitor = mix.addTrack('left');
    play(visitor, 5, 0, 200);
    visitor.close();
    const late = mix.addTrack('right');
    expect(mix.finish().totalSamples).toBe(ms(200));
    late.push(constant(9), 5_000); // after the end: ignored
  });

  it('has no origin and no samples when nothing arrived', () => {
    const { mix } = mixer();
    mix.addTrack('left');
    expect(mix.origin).toBeNull();
    expect(mix.finish()).toEqual({ totalSamples: 0, tail: new Int16Array(0) });
  });
});
