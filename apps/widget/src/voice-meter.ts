/**
 * How often the page reads the assistant's level: the resolution of the speaking indicator and
 * of the `first-audio` trace.
 */
export const METER_INTERVAL_MS = 20;
/** The speaking indicator lights above this level. */
export const SPEAKING_LEVEL = 0.02;
/** The indicator stays lit this long after the last loud read, so it does not blink between syllables. */
export const SPEAKING_HOLD_MS = 150;
/**
 * The assistant's voice counts as heard above this level: clear of the decoder's comfort noise,
 * and where the benches' rtc-node visitor dates speech (300 of 32768), so the `first-audio` trace
 * and the call bench mean the same moment. The indicator's higher level falls some tens of ms
 * into a word that starts softly ("Hi").
 */
export const HEARD_LEVEL = 300 / 32_768;

/** AnalyserNode's fftSize: a power of two from 32 to 32768. */
const MIN_WINDOW = 32;
const MAX_WINDOW = 32_768;

/**
 * Samples the analyser holds for each read: at least one interval's worth, so no sound that
 * plays between two reads goes unread.
 */
export function meterWindow(sampleRate: number): number {
  const needed = (sampleRate * METER_INTERVAL_MS) / 1000;
  let size = MIN_WINDOW;
  while (size < needed && size < MAX_WINDOW) size *= 2;
  return size;
}

/** Root mean square of one read. */
export function levelOf(samples: Float32Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** Whether the speaking indicator is lit, read by read: on at a loud read, off after a pause. */
export function speakingIndicator(): (level: number, now: number) => boolean {
  let lastLoud = Number.NEGATIVE_INFINITY;
  return (level, now) => {
    if (level > SPEAKING_LEVEL) lastLoud = now;
    return now - lastLoud < SPEAKING_HOLD_MS;
  };
}
