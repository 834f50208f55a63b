import { describe, expect, it } from 'vitest';
import { peaks } from './waveform.ts';

describe('the waveform’s bars', () => {
  it('are the loudest sample of each slice over both channels', () => {
    const left = Float32Array.from([0.1, -0.5, 0, 0, 0, 0, 0.2, 0]);
    const right = Float32Array.from([0, 0, 0, 0, 0, -0.9, 0, 0]);
    expect([...peaks([left, right], 4)].map((v) => Number(v.toFixed(2)))).toEqual([0.5, 0, 0.9, 0.2]);
  });

  it('are flat when there is no audio', () => {
    expect(peaks([], 10).every((v) => v === 0)).toBe(true);
    expect(peaks([new Float32Array(0)], 3)).toHaveLength(3);
  });
});
