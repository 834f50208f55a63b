/** Opus works at 48 kHz whatever the input; the recording is stereo at that rate throughout. */
export const SAMPLE_RATE = 48_000;
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
/** One Opus packet holds 20 ms: 960 samples per channel. */
export const FRAME_SAMPLES = 960;
export const CHANNELS = 2;

export function samplesToMs(samples: number): number {
  return Math.round(samples / SAMPLES_PER_MS);
}
