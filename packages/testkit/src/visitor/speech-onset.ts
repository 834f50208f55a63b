/** One frame the visitor heard: when it arrived, how loud it was and whose track it came from. */
export interface HeardFrame {
  at: number;
  rms: number;
  /** The identity of the participant whose track it came from. */
  from: string;
}

/** Which speakers a wait listens to: an identity prefix (`staff-`), or everyone when absent. */
export type SpeakerFilter = string | undefined;

export function heardFrom(frame: HeardFrame, from: SpeakerFilter): boolean {
  return from === undefined || frame.from.startsWith(from);
}

export interface OnsetOptions {
  after: number;
  from: SpeakerFilter;
  minRms: number;
  minDurationMs: number;
  /**
   * Quiet this short inside speech does not end it. Words have such gaps (the closure of a stop
   * consonant, as in "I can…"), and a run broken at the first of them would date the speech from
   * its second syllable.
   */
  maxGapMs: number;
  frameMs: number;
}

/**
 * When speech began: the first loud frame of a run that lasts at least `minDurationMs`, where
 * quiet no longer than `maxGapMs` does not break the run (a click or a short noise alone never
 * makes one).
 */
export function speechOnset(frames: readonly HeardFrame[], opts: OnsetOptions): number | undefined {
  let runStart: number | undefined;
  let lastLoud = Number.NEGATIVE_INFINITY;
  for (const f of frames) {
    if (f.at < opts.after || !heardFrom(f, opts.from) || f.rms <= opts.minRms) continue;
    if (runStart === undefined || f.at - lastLoud - opts.frameMs > opts.maxGapMs) runStart = f.at;
    lastLoud = f.at;
    if (f.at - runStart + opts.frameMs >= opts.minDurationMs) return runStart;
  }
  return undefined;
}
