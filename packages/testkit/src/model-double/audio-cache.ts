import { readWav, resample, rms } from '../audio/wav.ts';

/** The wire rate of the Realtime API: PCM16 mono at 24 kHz. */
export const REALTIME_RATE = 24_000;

const cache = new Map<string, Int16Array>();
const EDGE_RMS = 150;
const EDGE_WINDOW = REALTIME_RATE / 100;

/** A real model starts speaking at once: drop the fixtures' silent padding at both ends. */
function trimSilence(pcm: Int16Array): Int16Array {
  let start = 0;
  while (start + EDGE_WINDOW < pcm.length && rms(pcm, start, start + EDGE_WINDOW) < EDGE_RMS)
    start += EDGE_WINDOW;
  let end = pcm.length;
  while (end - EDGE_WINDOW > start && rms(pcm, end - EDGE_WINDOW, end) < EDGE_RMS) end -= EDGE_WINDOW;
  return pcm.slice(start, end);
}

export function pcm24k(path: string): Int16Array {
  let pcm = cache.get(path);
  if (!pcm) {
    const wav = readWav(path);
    pcm = trimSilence(resample(wav.samples, wav.sampleRate, REALTIME_RATE));
    cache.set(path, pcm);
  }
  return pcm;
}
