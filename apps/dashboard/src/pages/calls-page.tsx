import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { type CallFilters, FILTER_KEYS, filtersFromParams, listQuery } from '../lib/call-filters.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { endReasonLabel, statusLabel } from '../lib/labels.ts';
import { Snippet } from '../lib/snippet.tsx';
import { CallFiltersForm } from './calls/call-filters-form.tsx';
import { StatsPanel } from './calls/stats-panel.tsx';

export function CallsPage() {
  useTitle('Calls');
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  // Cursors of the pages seen, so "Newer" goes back without the API paging backwards.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const cursor = cursors[page];
  const siteName = useSiteNames();

  const onChange = useCallback(
    (change: Partial<CallFilters>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const key of FILTER_KEYS) {
            const v = change[key];
            if (v === undefined) continue;
            if (v) next.set(key, v);
            else next.delete(key);
          }
          return next;
        },
        { replace: true },
      );
      setCursors([undefined]);
    },
    [setParams],
  );

  const query = listQuery(filters, cursor);
  const calls = useQuery({
    queryKey: ['calls', query],
    queryFn: () => unwrap(api.GET('/v1/calls', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const searching = Boolean(query.q);

  return (
    <>
      <div className="page-head">
        <h1>Calls</h1>
      </div>
      <StatsPanel filters={filters} />
      <CallFiltersForm filters={filters} onChange={onChange} />
      <section aria-labelledby="calls-heading" aria-busy={calls.isFetching}>
        <h2 id="calls-heading" className="visually-hidden">
          {searching ? 'Search results' : 'Call list'}
        </h2>
        {calls.isPending ? (
          <Loading what="calls" />
        ) : calls.isError ? (
          <ErrorState error={calls.error} retry={() => void calls.refetch()} />
        ) : calls.data.items.length === 0 ? (
          <Empty>
            {searching
              ? 'No call’s transcript matches this search.'
              : page > 0
                ? 'No more calls.'
                : 'No calls match these filters yet.'}
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Site</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Length
                  </th>
                  <th scope="col">Ended because</th>
                </tr>
              </thead>
              <tbody>
                {calls.data.items.map((call) => (
                  <tr key={call.id}>
                    <td>
                      <Link to={`/calls/${call.id}`}>{formatDateTime(call.startedAt ?? call.createdAt)}</Link>
                    </td>
                    <td>
                      {call.callerName ?? <span className="muted">Anonymous</span>}
                      {call.snippet && <Snippet parts={call.snippet} />}
                    </td>
                    <td>{siteName(call.siteId)}</td>
                    <td>
                      <span className={`badge ${call.status}`}>{statusLabel(call.status)}</span>
                    </td>
                    <td className="num">{formatDuration(call.durationSeconds)}</td>
                    <td>{endReasonLabel(call.endReason)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="pager" aria-label="Pages of calls">
          <span className="muted">Page {page + 1}</span>
          <button type="button" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
          <button
            type="button"
            disabled={!calls.data?.nextCursor || calls.isPlaceholderData}
            onClick={() => {
              const next = calls.data?.nextCursor;
              if (next) setCursors((c) => [...c, next]);
            }}
          >
            Older
          </button>
        </nav>
      </section>
    </>
  );
}
