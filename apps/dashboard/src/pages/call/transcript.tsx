import { type RefObject, useEffect, useRef } from 'react';
import type { TranscriptLine } from '../../api/call-detail.ts';
import { formatOffset, formatTime } from '../../lib/format.ts';
import { speakerLabel } from '../../lib/labels.ts';

/**
 * The transcript in step with the recording: the line being heard is marked (aria-current) and
 * kept in view while playing; a line's button seeks the recording there and plays it.
 */
export function Transcript({
  lines,
  current,
  audio,
  playable,
  onSeek,
}: {
  lines: readonly TranscriptLine[];
  current: number;
  audio: RefObject<HTMLAudioElement | null>;
  playable: boolean;
  onSeek: (ms: number) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (current < 0 || audio.current?.paused !== false) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-line="${current}"]`);
    const box = list.current;
    if (el && box) box.scrollTop = el.offsetTop - box.offsetTop - box.clientHeight / 3;
  }, [current, audio]);

  if (lines.length === 0) return <p className="muted">Nothing was said in this call.</p>;
  return (
    <ol className="transcript" ref={list} aria-label="Transcript">
      {lines.map((line, i) => {
        const who = speakerLabel(line.speaker);
        const offset = line.offsetMs;
        const at = line.offsetMs === null ? formatTime(line.startedAt) : formatOffset(line.offsetMs);
        const body = (
          <>
            <span className="when">
              {offset !== null && playable && <span className="visually-hidden">Play from </span>}
              {at}
            </span>
            <span className="who">{who}</span>
            <span>{line.text}</span>
          </>
        );
        return (
          <li key={line.seq}>
            {playable && offset !== null ? (
              <button
                type="button"
                className="line"
                data-line={i}
                aria-current={i === current ? 'true' : undefined}
                onClick={() => {
                  const player = audio.current;
                  if (!player) return;
                  player.currentTime = offset / 1000;
                  onSeek(offset);
                  void player.play().catch(() => {});
                }}
              >
                {body}
              </button>
            ) : (
              <div className="line" data-line={i}>
                {body}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
