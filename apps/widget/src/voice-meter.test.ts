import { join } from 'node:path';
import { FIXTURES_DIR, readWav, resample, speechOnsetIn } from '@voicedesk/testkit';
import { describe, expect, it } from 'vitest';
import {
  HEARD_LEVEL,
  levelOf,
  METER_INTERVAL_MS,
  meterWindow,
  SPEAKING_LEVEL,
  speakingIndicator,
} from './voice-meter.ts';

const SAMPLE_RATE = 48_000;

/**
 * When the page's meter first hears `samples` as they play from time 0: every
 * METER_INTERVAL_MS, starting `phase` ms in, it reads the analyser's last window.
 */
function firstHeardByMeter(samples: Float32Array, phase: number): number | undefined {
  const window = meterWindow(SAMPLE_RATE);
  for (let t = phase; (t * SAMPLE_RATE) / 1000 <= samples.length; t += METER_INTERVAL_MS) {
    const end = Math.floor((t * SAMPLE_RATE) / 1000);
    if (levelOf(samples.subarray(Math.max(0, end - window), end)) > HEARD_LEVEL) return t;
  }
  return undefined;
}

describe("the widget's meter of the assistant's voice", () => {
  // The kept greeting as the double speaks it: 313 ms of silence, then a soft "H" before the
  // vowel. The call bench's rtc-node visitor dates the greeting from that first sound; the
  // widget's `first-audio` trace must mean the same moment, or the two benches disagree.
  const greeting = readWav(join(FIXTURES_DIR, 'ai-greeting.wav'));
  const pcm = resample(greeting.samples, greeting.sampleRate, SAMPLE_RATE);
  const onset = speechOnsetIn(pcm, SAMPLE_RATE);
  const float = Float32Array.from(pcm, (v) => v / 32_768);

  it('hears the greeting within one read of where the benches’ visitor hears it, whenever its reads fall', () => {
    expect(onset).toBeDefined();
    for (let phase = 0; phase < METER_INTERVAL_MS; phase += 1) {
      const heard = firstHeardByMeter(float, phase);
      expect(heard, `reads from ${phase} ms`).toBeDefined();
      const late = (heard ?? 0) - (onset ?? 0);
      expect(late, `reads from ${phase} ms`).toBeGreaterThan(-METER_INTERVAL_MS);
      expect(late, `reads from ${phase} ms`).toBeLessThanOrEqual(METER_INTERVAL_MS);
    }
  });

  it('reads every sample: each window covers the time since the last read', () => {
    for (const rate of [16_000, 44_100, 48_000, 96_000]) {
      expect(meterWindow(rate), `${rate} Hz`).toBeGreaterThanOrEqual((rate * METER_INTERVAL_MS) / 1000);
    }
  });
});

describe('the speaking indicator', () => {
  it('stays lit through the quiet between syllables and goes out when the voice stops', () => {
    const lit = speakingIndicator();
    const loud = SPEAKING_LEVEL * 3;
    const quiet = SPEAKING_LEVEL / 4;
    const reads: Array<[number, number]> = [
      [0, quiet],
      [20, loud],
      [40, loud],
      // A stop consonant's closure: 80 ms of quiet inside a word.
      [60, quiet],
      [80, quiet],
      [100, quiet],
      [120, quiet],
      [140, loud],
      // The voice stops.
      [160, quiet],
      [220, quiet],
      [280, quiet],
      [300, quiet],
      [320, quiet],
    ];
    expect(reads.map(([at, level]) => lit(level, at))).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
