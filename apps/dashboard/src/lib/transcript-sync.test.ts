import { describe, expect, it } from 'vitest';
import { currentLineIndex } from './transcript-sync.ts';

const lines = [{ offsetMs: 0 }, { offsetMs: 4200 }, { offsetMs: 9000 }, { offsetMs: 15_500 }];

describe('which transcript line is current while the recording plays', () => {
  it('is the line that started last at or before the playback time', () => {
    expect(currentLineIndex(lines, 0)).toBe(0);
    expect(currentLineIndex(lines, 4199)).toBe(0);
    expect(currentLineIndex(lines, 4200)).toBe(1);
    expect(currentLineIndex(lines, 12_000)).toBe(2);
    expect(currentLineIndex(lines, 60_000)).toBe(3);
  });

  it('is none before the first line is heard', () => {
    expect(currentLineIndex([{ offsetMs: 1500 }, { offsetMs: 3000 }], 1000)).toBe(-1);
    expect(currentLineIndex([], 1000)).toBe(-1);
  });

  it('skips lines that cannot be placed in the recording', () => {
    expect(currentLineIndex([{ offsetMs: 0 }, { offsetMs: null }, { offsetMs: 5000 }], 3000)).toBe(0);
    expect(currentLineIndex([{ offsetMs: null }], 3000)).toBe(-1);
  });

  it('takes the later start when two lines are placed slightly out of order', () => {
    // The assistant's reply snapped to an onset 40 ms before the visitor's line that precedes it.
    const crossed = [{ offsetMs: 2000 }, { offsetMs: 6040 }, { offsetMs: 6000 }];
    expect(currentLineIndex(crossed, 6020)).toBe(2);
    expect(currentLineIndex(crossed, 6100)).toBe(1);
  });
});
