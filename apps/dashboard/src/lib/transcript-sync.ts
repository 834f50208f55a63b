/** A transcript line as placed in the recording; null: it cannot be placed (no recording). */
export interface PlacedLine {
  offsetMs: number | null;
}

/**
 * The line being heard `timeMs` into the recording: the one that started last at or before that
 * time (it stays current through the pause after it, until the next line starts). -1 before the
 * first line. Offsets come from speech onsets and may be out of order by a few ms, so this takes
 * the latest start, not the first line past the time.
 */
export function currentLineIndex(lines: readonly PlacedLine[], timeMs: number): number {
  let best = -1;
  let bestOffset = Number.NEGATIVE_INFINITY;
  lines.forEach((line, i) => {
    const offset = line.offsetMs;
    if (offset === null || offset > timeMs) return;
    if (offset >= bestOffset) {
      best = i;
      bestOffset = offset;
    }
  });
  return best;
}
