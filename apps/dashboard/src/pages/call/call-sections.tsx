import type { CallEvent, Participant, TurnMetric } from '../../api/call-detail.ts';
import { callSetup } from '../../lib/call-setup.ts';
import { formatDuration, formatTime, humanize } from '../../lib/format.ts';
import { turnRows } from '../../lib/turn-latency.ts';

const KIND_LABELS: Record<Participant['kind'], string> = {
  visitor: 'Visitor',
  ai: 'Assistant',
  staff: 'Staff',
  recorder: 'Recorder',
};

export function Participants({ items }: { items: readonly Participant[] }) {
  if (items.length === 0) return <p className="muted">Nobody joined this call.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col">Joined</th>
            <th scope="col">Left</th>
            <th scope="col" className="num">
              Time in call
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={`${p.identity}-${p.joinedAt}`}>
              <td>
                {KIND_LABELS[p.kind] ?? p.kind}
                {p.name && <span className="muted"> · {p.name}</span>}
              </td>
              <td>{formatTime(p.joinedAt)}</td>
              <td>{formatTime(p.leftAt)}</td>
              <td className="num">{formatDuration(p.durationSeconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventTimeline({ items }: { items: readonly CallEvent[] }) {
  if (items.length === 0) return <p className="muted">No events were recorded.</p>;
  return (
    <ol className="timeline" aria-label="Events">
      {items.map((e) => (
        <li key={e.eventId}>
          <span className="mono">{formatTime(e.createdAt)}</span>
          <details>
            <summary>
              {humanize(e.type)} <span className="muted">· {e.source}</span>
            </summary>
            <pre>{JSON.stringify(e.payload, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}

export function TurnLatency({ metrics }: { metrics: readonly TurnMetric[] }) {
  const rows = turnRows(metrics);
  if (rows.length === 0) return <p className="muted">The assistant reported no metrics for this call.</p>;
  const times = rows.map((r) => r.responseMs).filter((v): v is number => v !== null);
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
  const tokens = rows.reduce((sum, r) => sum + (r.inputTokens ?? 0) + (r.outputTokens ?? 0), 0);
  return (
    <>
      <p>
        Median response {median === undefined ? '—' : `${median} ms`} over {rows.length} turns ·{' '}
        {tokens.toLocaleString()} tokens
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Turn</th>
              <th scope="col" className="num">
                Response
              </th>
              <th scope="col">Made of</th>
              <th scope="col" className="num">
                Tokens in / out
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.turn}>
                <td>{r.turn}</td>
                <td className="num">{r.responseMs === null ? '—' : `${r.responseMs} ms`}</td>
                <td>{r.parts.map((p) => `${p.label} ${p.ms} ms`).join(' · ') || '—'}</td>
                <td className="num">
                  {r.inputTokens ?? '—'} / {r.outputTokens ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function CallSetupSteps({
  metrics,
  createdAt,
}: {
  metrics: readonly TurnMetric[];
  createdAt: string;
}) {
  const setup = callSetup(metrics, createdAt);
  if (!setup) return <p className="muted">The assistant reported no setup times for this call.</p>;
  return (
    <>
      {setup.greetingSource && <p>Greeting: {setup.greetingSource}</p>}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="num">
                {setup.from === 'press' ? 'After the press' : 'After the call was created'}
              </th>
              <th scope="col" className="num">
                Took
              </th>
            </tr>
          </thead>
          <tbody>
            {setup.rows.map((r) => (
              <tr key={r.label}>
                <td>{r.label}</td>
                <td className="num">{r.atMs} ms</td>
                <td className="num">{r.stepMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
