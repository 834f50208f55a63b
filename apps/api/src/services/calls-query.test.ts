import { describe, expect, it } from 'vitest';
import { placeInRecording } from './calls-query.ts';

describe('placeInRecording: a transcript line seeks to where its words start', () => {
  const onsets = { left: [1_000, 9_000], right: [3_500, 12_000] };

  it("moves a line to the nearest onset on its speaker's channel", () => {
    expect(placeInRecording(3_200, 'ai', onsets)).toBe(3_500);
    expect(placeInRecording(9_130, 'visitor', onsets)).toBe(9_000);
    expect(placeInRecording(11_700, 'staff:ab12', onsets)).toBe(12_000);
  });

  it('never takes an onset of the other side, or one too far away to be this line', () => {
    expect(placeInRecording(3_400, 'visitor', onsets)).toBe(3_400);
    expect(placeInRecording(6_000, 'ai', onsets)).toBe(6_000);
  });

  it('keeps the timestamp when the recorder sent no onsets (a partial recording)', () => {
    expect(placeInRecording(1_234, 'ai', null)).toBe(1_234);
    expect(placeInRecording(-40, 'visitor', null)).toBe(0);
  });
});
