import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DECODE_RATE = 48_000;

/** A recording decoded by ffmpeg (apt's, installed by scripts/setup.sh) to 48 kHz stereo samples. */
export interface DecodedAudio {
  seconds: number;
  left: Int16Array;
  right: Int16Array;
  /** RMS of one channel between two offsets (ms). */
  rms(channel: 'left' | 'right', fromMs: number, toMs: number): number;
  /** Where a channel first rises above `level` (20 ms windows) between two offsets, in ms; null if never. */
  onset(channel: 'left' | 'right', fromMs: number, toMs: number, level: number): number | null;
}

export function decodeRecording(bytes: Buffer): DecodedAudio {
  const dir = mkdtempSync(join(tmpdir(), 'voicedesk-decode-'));
  try {
    const file = join(dir, 'recording.ogg');
    writeFileSync(file, bytes);
    // -xerror: a damaged stream fails the test instead of decoding to silence.
    const pcm = execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-xerror',
        '-i',
        file,
        '-f',
        's16le',
        '-acodec',
        'pcm_s16le',
        '-ac',
        '2',
        '-ar',
        String(DECODE_RATE),
        '-',
      ],
      { maxBuffer: 1024 * 1024 * 1024 },
    );
    const all = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.byteLength / 2));
    const frames = Math.floor(all.length / 2);
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = all[2 * i] ?? 0;
      right[i] = all[2 * i + 1] ?? 0;
    }
    const at = (ms: number) => Math.max(0, Math.min(frames, Math.round((ms / 1000) * DECODE_RATE)));
    const rms = (channel: 'left' | 'right', fromMs: number, toMs: number) => {
      const data = channel === 'left' ? left : right;
      const [a, b] = [at(fromMs), at(toMs)];
      let sum = 0;
      for (let i = a; i < b; i++) sum += (data[i] ?? 0) ** 2;
      return b > a ? Math.sqrt(sum / (b - a)) : 0;
    };
    return {
      seconds: frames / DECODE_RATE,
      left,
      right,
      rms,
      onset(channel, fromMs, toMs, level) {
        for (let ms = Math.max(0, fromMs); ms + 20 <= toMs; ms += 5) {
          if (rms(channel, ms, ms + 20) >= level) return ms;
        }
        return null;
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
