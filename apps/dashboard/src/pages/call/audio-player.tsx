import { type RefObject, useEffect, useRef, useState } from 'react';
import { drawWaveform, peaks } from '../../lib/waveform.ts';

const BARS = 400;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * The recording's waveform, decoded in the browser with Web Audio from the same bytes the
 * player plays. Clicking it seeks; keyboard users seek with the player's own controls.
 */
function Waveform({
  url,
  audio,
  timeMs,
}: {
  url: string;
  audio: RefObject<HTMLAudioElement | null>;
  timeMs: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [bars, setBars] = useState<Float32Array | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setBars(null);
    setFailed(false);
    (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`recording answered ${res.status}`);
      const ctx = new AudioContext();
      try {
        const decoded = await ctx.decodeAudioData(await res.arrayBuffer());
        const channels = Array.from({ length: decoded.numberOfChannels }, (_, i) =>
          decoded.getChannelData(i),
        );
        if (!cancelled) setBars(peaks(channels, BARS));
      } finally {
        void ctx.close();
      }
    })().catch(() => {
      if (!cancelled) setFailed(true);
    });
    return () => {
      cancelled = true;
    };
  }, [url]);

  useEffect(() => {
    const el = canvas.current;
    const player = audio.current;
    if (!el || !bars) return;
    const ratio = window.devicePixelRatio || 1;
    el.width = Math.round(el.clientWidth * ratio);
    el.height = Math.round(el.clientHeight * ratio);
    const duration = player && Number.isFinite(player.duration) ? player.duration : 0;
    const progress = duration ? timeMs / 1000 / duration : 0;
    drawWaveform(el, bars, progress, { played: cssVar('--wave-played'), rest: cssVar('--wave-rest') });
  }, [bars, timeMs, audio]);

  if (failed) return <p className="muted">The waveform could not be drawn; the recording still plays.</p>;
  return (
    <canvas
      ref={canvas}
      role="img"
      aria-label="Waveform of the recording (click to seek; the player below has keyboard controls)"
      data-testid="waveform"
      data-ready={bars ? 'true' : 'false'}
      onClick={(e) => {
        const player = audio.current;
        if (!player || !Number.isFinite(player.duration)) return;
        const box = e.currentTarget.getBoundingClientRect();
        player.currentTime = ((e.clientX - box.left) / box.width) * player.duration;
      }}
    />
  );
}

export function AudioPlayer({
  url,
  audio,
  timeMs,
  onTime,
  onExpired,
}: {
  url: string;
  audio: RefObject<HTMLAudioElement | null>;
  timeMs: number;
  onTime: (ms: number) => void;
  /** The signed link lapsed (it lives 15 minutes): fetch a fresh one. */
  onExpired: () => void;
}) {
  // The position to return to once a fresh link replaces an expired one.
  const resumeAt = useRef<number | null>(null);
  useEffect(() => {
    const player = audio.current;
    if (!player) return;
    let frame = 0;
    const tick = () => {
      onTime(player.currentTime * 1000);
      if (!player.paused) frame = requestAnimationFrame(tick);
    };
    const onPlay = () => {
      frame = requestAnimationFrame(tick);
    };
    const onUpdate = () => onTime(player.currentTime * 1000);
    const onLoaded = () => {
      if (resumeAt.current !== null) {
        player.currentTime = resumeAt.current;
        resumeAt.current = null;
      }
    };
    const onError = () => {
      resumeAt.current = player.currentTime;
      onExpired();
    };
    player.addEventListener('play', onPlay);
    player.addEventListener('timeupdate', onUpdate);
    player.addEventListener('seeked', onUpdate);
    player.addEventListener('loadedmetadata', onLoaded);
    player.addEventListener('error', onError);
    return () => {
      cancelAnimationFrame(frame);
      player.removeEventListener('play', onPlay);
      player.removeEventListener('timeupdate', onUpdate);
      player.removeEventListener('seeked', onUpdate);
      player.removeEventListener('loadedmetadata', onLoaded);
      player.removeEventListener('error', onError);
    };
  }, [audio, onTime, onExpired]);

  return (
    <div className="player">
      <Waveform url={url} audio={audio} timeMs={timeMs} />
      {/* biome-ignore lint/a11y/useMediaCaption: the transcript beside the player is the call's text */}
      <audio ref={audio} src={url} controls preload="metadata" aria-label="Call recording" />
    </div>
  );
}
