import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav, readWav } from '../audio/wav.ts';

/**
 * A WAV for Chromium's fake microphone: `silenceSeconds` of quiet, then the speech. Chromium
 * loops the file from the moment capture starts, so the quiet lets the whole greeting play
 * before the visitor "speaks".
 */
export function fakeMicrophoneWav(speechWav: string, silenceSeconds: number): string {
  const speech = readWav(speechWav);
  const lead = Math.round(speech.sampleRate * silenceSeconds);
  const samples = new Int16Array(lead + speech.samples.length);
  samples.set(speech.samples, lead);
  const path = join(tmpdir(), `voicedesk-fake-mic-${process.pid}-${silenceSeconds}s.wav`);
  writeFileSync(path, encodeWav({ sampleRate: speech.sampleRate, samples }));
  return path;
}
