import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { ErrorState, Loading } from '../../components/states.tsx';
import { type CallFilters, statsQuery } from '../../lib/call-filters.ts';
import { formatDuration, formatMinutes, formatPercent } from '../../lib/format.ts';
import { endReasonLabel } from '../../lib/labels.ts';
import { CallsChart } from './calls-chart.tsx';

export function StatsPanel({ filters }: { filters: CallFilters }) {
  // "Now" fixed when the page opens: a clock read on every render would make each a new query.
  const [openedAt] = useState(() => new Date());
  const query = statsQuery(filters, openedAt);
  const stats = useQuery({
    queryKey: ['call-stats', query],
    queryFn: () => unwrap(api.GET('/v1/calls/stats', { params: { query } })),
  });
  if (stats.isPending) return <Loading what="statistics" />;
  if (stats.isError) return <ErrorState error={stats.error} retry={() => void stats.refetch()} />;
  const { totals, endReasons, series } = stats.data;
  const reasons = Object.entries(endReasons).sort(([, a], [, b]) => b - a);
  return (
    <section aria-labelledby="stats-heading">
      <h2 id="stats-heading" className="visually-hidden">
        Statistics
      </h2>
      <dl className="stats">
        <div className="stat">
          <dt>Calls</dt>
          <dd>{totals.calls.toLocaleString()}</dd>
        </div>
        <div className="stat">
          <dt>Minutes</dt>
          <dd>{formatMinutes(totals.minutes)}</dd>
        </div>
        <div className="stat">
          <dt>Average length</dt>
          <dd>{formatDuration(totals.averageDurationSeconds)}</dd>
        </div>
        <div className="stat">
          <dt>Missed</dt>
          <dd>{formatPercent(totals.missedRate)}</dd>
        </div>
      </dl>
      <div className="card chart-card">
        <CallsChart series={series} bucket={query.bucket} />
        <div>
          <h3>End reasons</h3>
          {reasons.length === 0 ? (
            <p className="muted">No ended calls in this period.</p>
          ) : (
            <ul className="reasons">
              {reasons.map(([reason, n]) => (
                <li key={reason}>
                  <span>{endReasonLabel(reason)}</span>
                  <span className="mono">{n}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
