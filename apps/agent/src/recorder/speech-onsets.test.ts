import { describe, expect, it } from 'vitest';
import { CHANNELS, FRAME_SAMPLES } from './audio-format.ts';
import { SpeechOnsetDetector } from './speech-onsets.ts';

/** One 20 ms stereo frame: a tone of `left` / `right` amplitude on each channel (0: silence). */
function frame(left: number, right: number): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES * CHANNELS);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    const wave = Math.sin((2 * Math.PI * 220 * i) / 48_000);
    out[i * 2] = Math.round(left * wave);
    out[i * 2 + 1] = Math.round(right * wave);
  }
  return out;
}

describe('SpeechOnsetDetector', () => {
  it('marks where speech starts on each channel, in ms of the timeline', () => {
    const d = new SpeechOnsetDetector();
    const plan = [
      ...Array(10).fill([0, 0]), // 0–200 ms quiet
      ...Array(25).fill([0, 8000]), // assistant from 200 ms
      ...Array(20).fill([0, 0]),
      ...Array(30).fill([6000, 0]), // visitor from 1100 ms
    ] as [number, number][];
    for (const [l, r] of plan) d.push(frame(l, r));
    expect(d.onsets).toEqual({ left: [1100], right: [200] });
  });

  it('does not count a short pause inside a sentence as a new onset, but a real pause does', () => {
    const d = new SpeechOnsetDetector({ quietMs: 300 });
    const plan = [
      ...Array(10).fill(8000),
      ...Array(5).fill(0), // 100 ms: a breath
      ...Array(10).fill(8000),
      ...Array(20).fill(0), // 400 ms: the next sentence
      ...Array(10).fill(8000),
    ] as number[];
    for (const r of plan) d.push(frame(0, r));
    expect(d.onsets.right).toEqual([0, 900]);
  });

  it('ignores a quiet microphone floor', () => {
    const d = new SpeechOnsetDetector();
    for (let i = 0; i < 50; i++) d.push(frame(150, 0));
    expect(d.onsets).toEqual({ left: [], right: [] });
  });
});
