import { readWav, resample } from '../visitor/wav.ts';

/** The wire rate of the Realtime API: PCM16 mono at 24 kHz. */
export const REALTIME_RATE = 24_000;

const cache = new Map<string, Int16Array>();

export function pcm24k(path: string): Int16Array {
  let pcm = cache.get(path);
  if (!pcm) {
    const wav = readWav(path);
    pcm = resample(wav.samples, wav.sampleRate, REALTIME_RATE);
    cache.set(path, pcm);
  }
  return pcm;
}
