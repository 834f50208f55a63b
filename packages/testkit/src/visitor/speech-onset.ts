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
  frameMs: number;
}

/** When speech began: the first frame of a loud run lasting at least `minDurationMs`. */
export function speechOnset(frames: readonly HeardFrame[], opts: OnsetOptions): number | undefined {
  let runStart: number | undefined;
  for (const f of frames) {
    if (f.at < opts.after || !heardFrom(f, opts.from)) continue;
    if (f.rms > opts.minRms) {
      runStart ??= f.at;
      if (f.at - runStart + opts.frameMs >= opts.minDurationMs) return runStart;
    } else runStart = undefined;
  }
  return undefined;
}
