/**
 * The loudest sample of each of `buckets` equal slices of the recording, over all channels
 * (visitor left, assistant right): one bar per slice, so quiet stretches read as gaps.
 */
export function peaks(channels: readonly Float32Array[], buckets: number): Float32Array {
  const out = new Float32Array(Math.max(0, buckets));
  const length = channels[0]?.length ?? 0;
  if (!length || buckets <= 0) return out;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * length) / buckets);
    const end = Math.max(start + 1, Math.floor(((b + 1) * length) / buckets));
    let max = 0;
    for (const data of channels) {
      for (let i = start; i < end && i < data.length; i++) {
        const v = Math.abs(data[i] ?? 0);
        if (v > max) max = v;
      }
    }
    out[b] = max;
  }
  return out;
}

export interface WaveColors {
  played: string;
  rest: string;
}

/** Bars centred on the canvas; those before `progress` (0..1) in the played colour. */
export function drawWaveform(
  canvas: HTMLCanvasElement,
  bars: Float32Array,
  progress: number,
  colors: WaveColors,
) {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const loudest = bars.reduce((m, v) => Math.max(m, v), 0) || 1;
  const step = width / Math.max(1, bars.length);
  const barWidth = Math.max(1, step * 0.7);
  bars.forEach((v, i) => {
    const h = Math.max(1, (v / loudest) * (height - 2));
    ctx.fillStyle = i / bars.length < progress ? colors.played : colors.rest;
    ctx.fillRect(i * step, (height - h) / 2, barWidth, h);
  });
}
