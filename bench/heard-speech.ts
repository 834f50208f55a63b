import { type SimulatedVisitor, SPEECH_RMS } from '@voicedesk/testkit';

/**
 * The visitor's waits for speech and silence, reading only the frames heard since the last look.
 * The testkit's waits rescan everything the visitor has heard every 10 ms, which is fine for one
 * call but, with dozens of visitors in the bench process, takes the CPU the worker is measured on.
 * Same thresholds: speech is 150 ms above SPEECH_RMS (its first frame's time is returned);
 * silence is 700 ms on the clock without a loud frame.
 */
const FRAME_MS = 20;
const POLL_MS = 20;

function firstIndexAtOrAfter(frames: readonly { at: number }[], at: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((frames[mid]?.at ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function poll<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function speechAfter(
  visitor: SimulatedVisitor,
  after: number,
  timeoutMs: number,
  minDurationMs = 150,
) {
  const frames = visitor.heardFrames();
  let i = firstIndexAtOrAfter(frames, after);
  let runStart: number | undefined;
  return poll('speech', timeoutMs, () => {
    for (; i < frames.length; i++) {
      const f = frames[i];
      if (!f) break;
      if (f.rms > SPEECH_RMS) {
        runStart ??= f.at;
        if (f.at - runStart + FRAME_MS >= minDurationMs) return runStart;
      } else runStart = undefined;
    }
    return undefined;
  });
}

export function silenceAfter(visitor: SimulatedVisitor, after: number, timeoutMs: number, silenceMs = 700) {
  const frames = visitor.heardFrames();
  let i = firstIndexAtOrAfter(frames, after);
  let lastLoud = after;
  return poll('silence', timeoutMs, () => {
    for (; i < frames.length; i++) {
      const f = frames[i];
      if (f && f.rms > SPEECH_RMS) lastLoud = f.at;
    }
    return Date.now() - lastLoud >= silenceMs ? lastLoud : undefined;
  });
}
