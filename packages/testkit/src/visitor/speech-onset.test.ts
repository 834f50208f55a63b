import { describe, expect, it } from 'vitest';
import { rms } from '../audio/wav.ts';
import { pcm24k, REALTIME_RATE } from '../model-double/audio-cache.ts';
import { FIXTURES_DIR } from '../model-double/script.ts';
import { type HeardFrame, type OnsetOptions, speechOnset } from './speech-onset.ts';

const FRAME_MS = 10;
const opts: OnsetOptions = {
  after: 0,
  from: undefined,
  minRms: 300,
  minDurationMs: 150,
  maxGapMs: 80,
  frameMs: FRAME_MS,
};

/** Frames as the visitor's audio stream hands them over, one every 10 ms from `startAt`. */
function frames(levels: number[], startAt: number, from = 'agent-1'): HeardFrame[] {
  return levels.map((level, i) => ({ at: startAt + i * FRAME_MS, rms: level, from }));
}

const silence = (ms: number) => Array<number>(ms / FRAME_MS).fill(20);
const speech = (ms: number) => Array<number>(ms / FRAME_MS).fill(3000);

/** A fixture's loudness, 10 ms at a time, as the model double sends it. */
function fixtureLevels(name: string): number[] {
  const pcm = pcm24k(`${FIXTURES_DIR}${name}`);
  const window = REALTIME_RATE / 100;
  const levels: number[] = [];
  for (let i = 0; i + window <= pcm.length; i += window) levels.push(rms(pcm, i, i + window));
  return levels;
}

describe('speechOnset', () => {
  it('dates a reply from its first syllable, across the stop that follows it', () => {
    // "I can help…": the "I" is 90 ms loud, then the "c" is 40 ms of closure before the voice returns.
    const heard = frames([...silence(300), ...fixtureLevels('ai-reply-1.wav')], 1_000);
    expect(speechOnset(heard, opts)).toBe(1_300);
  });

  it('dates every committed reply fixture from its first frame', () => {
    for (const name of ['ai-greeting.wav', 'ai-reply-1.wav', 'ai-reply-2.wav', 'ai-reply-generic.wav']) {
      const levels = fixtureLevels(name);
      const firstLoud = levels.findIndex((level) => level > opts.minRms);
      expect(speechOnset(frames(levels, 0), opts), name).toBe(firstLoud * FRAME_MS);
    }
  });

  it('does not take a click before the speech for its start', () => {
    const heard = frames([...silence(100), 4000, ...silence(200), ...speech(400)], 0);
    expect(speechOnset(heard, opts)).toBe(310);
  });

  it('finds nothing in sounds shorter than the minimum, however many there are', () => {
    const blips = Array.from({ length: 10 }, () => [...speech(60), ...silence(200)]).flat();
    expect(speechOnset(frames(blips, 0), opts)).toBeUndefined();
  });

  it('listens only after the given moment and to the given speaker', () => {
    const heard = [
      ...frames([...speech(300), ...silence(200)], 0, 'agent-1'),
      ...frames([...silence(100), ...speech(300)], 500, 'staff-ann'),
      ...frames(speech(300), 1_000, 'agent-1'),
    ].sort((a, b) => a.at - b.at);
    expect(speechOnset(heard, { ...opts, after: 400 })).toBe(600);
    expect(speechOnset(heard, { ...opts, after: 400, from: 'agent-' })).toBe(1_000);
  });
});
