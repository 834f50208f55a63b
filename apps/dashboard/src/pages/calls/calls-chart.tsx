import type { CallStatsReport } from '../../api/types.ts';

const W = 600;
const H = 160;
const PAD = { top: 8, right: 4, bottom: 20, left: 28 };

/**
 * Calls per bucket as bars, the missed part of each bar in its own colour. Drawn as SVG here:
 * a few dozen rectangles need no charting library.
 */
export function CallsChart({
  series,
  bucket,
}: {
  series: CallStatsReport['series'];
  bucket: 'hour' | 'day';
}) {
  const max = Math.max(1, ...series.map((p) => p.calls));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / Math.max(1, series.length);
  const barW = Math.max(1, step * 0.75);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const label = (iso: string) => {
    const d = new Date(iso);
    return bucket === 'hour'
      ? d.toLocaleTimeString(undefined, { hour: '2-digit' })
      : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  };
  const total = series.reduce((sum, p) => sum + p.calls, 0);
  const peak = series.reduce((best, p) => (p.calls > (best?.calls ?? -1) ? p : best), series[0]);
  const summary = peak
    ? `${total} calls over ${series.length} ${bucket}s; busiest ${label(peak.bucketStart)} with ${peak.calls}`
    : 'No calls in this period';
  const ticks = [0, Math.round(max / 2), max].filter((v, i, all) => all.indexOf(v) === i);
  const labelEvery = Math.max(1, Math.ceil(series.length / 8));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Calls per ${bucket}: ${summary}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="gridline" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={PAD.left - 4} y={y(t) + 4} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {series.map((p, i) => {
          const x = PAD.left + i * step + (step - barW) / 2;
          return (
            <g key={p.bucketStart}>
              <title>{`${label(p.bucketStart)}: ${p.calls} calls, ${p.missed} missed, ${p.minutes} min`}</title>
              <rect className="bar-calls" x={x} width={barW} y={y(p.calls)} height={y(0) - y(p.calls)} />
              {p.missed > 0 && (
                <rect className="bar-missed" x={x} width={barW} y={y(p.missed)} height={y(0) - y(p.missed)} />
              )}
              {i % labelEvery === 0 && (
                <text className="axis" x={x + barW / 2} y={H - 5} textAnchor="middle">
                  {label(p.bucketStart)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch calls" aria-hidden="true" />
          Calls
        </span>
        <span>
          <span className="swatch missed" aria-hidden="true" />
          Missed
        </span>
      </figcaption>
    </figure>
  );
}
