import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import type { LiveCall } from '../api/types.ts';
import { useLiveConnection, useLiveEvent, useLiveReload } from '../components/live-events.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { useNow } from '../components/use-now.ts';
import { useTitle } from '../components/use-title.ts';
import { formatDuration } from '../lib/format.ts';
import { speakerLabel, statusLabel } from '../lib/labels.ts';
import { applyCallEvent, applySegmentEvent, segmentKey } from '../lib/live-calls.ts';

const LIVE_KEY = ['live-calls'] as const;

/**
 * The tab's live event stream folded into the live calls' query data. Each time the stream
 * (re)opens, and whenever the API sends `resync`, the list is fetched again, so nothing missed
 * while it was away stays missing.
 */
function useLiveCalls() {
  const queryClient = useQueryClient();
  const update = (fold: (calls: LiveCall[]) => LiveCall[]) =>
    queryClient.setQueryData<LiveCall[]>(LIVE_KEY, (calls) => (calls ? fold(calls) : calls));
  useLiveEvent('call', (event) => update((calls) => applyCallEvent(calls, event)));
  useLiveEvent('segment', (event) => update((calls) => applySegmentEvent(calls, event)));
  useLiveReload(() => void queryClient.invalidateQueries({ queryKey: LIVE_KEY }));
  return useQuery({
    queryKey: LIVE_KEY,
    queryFn: async () => (await unwrap(api.GET('/v1/live/calls'))).items,
    staleTime: Number.POSITIVE_INFINITY,
    // The stream is shared with other pages: events that came while this page was not shown
    // were not folded in, so the list is fetched each time the page opens.
    refetchOnMount: 'always',
  });
}

function LiveCallCard({ call, now, siteName }: { call: LiveCall; now: number; siteName: string }) {
  const since = call.connectedAt ?? call.startedAt ?? call.createdAt;
  return (
    <article className="card live-call" aria-labelledby={`live-${call.id}`}>
      <header>
        <h2 id={`live-${call.id}`}>
          <Link to={`/calls/${call.id}`}>{call.callerName ?? 'Anonymous visitor'}</Link>
        </h2>
        <span className={`badge ${call.status}`}>{statusLabel(call.status)}</span>
      </header>
      <p className="muted">
        {siteName} · {formatDuration((now - Date.parse(since)) / 1000)}
        {call.phase === 'human'
          ? ' · with staff'
          : call.phase === 'waiting_human'
            ? ' · waiting for staff'
            : ''}
      </p>
      {call.segments.length === 0 ? (
        <p className="muted">Nothing said yet.</p>
      ) : (
        <div
          className="live-lines"
          role="log"
          aria-live="polite"
          aria-label={`Transcript of ${call.callerName ?? 'anonymous visitor'}`}
        >
          {call.segments.map((s) => (
            <p key={segmentKey(s)}>
              <span className="who">{speakerLabel(s.speaker)}:</span>
              {s.text}
            </p>
          ))}
        </div>
      )}
    </article>
  );
}

export function LivePage() {
  useTitle('Live');
  const connection = useLiveConnection();
  const siteName = useSiteNames();
  const now = useNow(1000);
  const calls = useLiveCalls();
  return (
    <>
      <div className="page-head">
        <h1>Calls in progress</h1>
        <p className="connection" role="status">
          {connection === 'open' ? 'Live' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </p>
      </div>
      {calls.isPending ? (
        <Loading what="calls in progress" />
      ) : calls.isError ? (
        <ErrorState error={calls.error} retry={() => void calls.refetch()} />
      ) : calls.data.length === 0 ? (
        <Empty>No calls in progress. New calls appear here as they start.</Empty>
      ) : (
        <div className="live-grid">
          {calls.data.map((call) => (
            <LiveCallCard key={call.id} call={call} now={now} siteName={siteName(call.siteId)} />
          ))}
        </div>
      )}
    </>
  );
}
