import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import type { LiveCall, LiveEvents } from '../api/types.ts';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { formatDuration } from '../lib/format.ts';
import { speakerLabel, statusLabel } from '../lib/labels.ts';
import { applyCallEvent, applySegmentEvent, segmentKey } from '../lib/live-calls.ts';

const LIVE_KEY = ['live-calls'] as const;
type Connection = 'connecting' | 'open' | 'reconnecting';

/**
 * The live event stream, folded into the live calls' query data. EventSource reconnects by
 * itself; each time it (re)opens, and whenever the API sends `resync`, the list is fetched
 * again, so nothing missed while it was away stays missing.
 */
function useLiveEvents(): Connection {
  const queryClient = useQueryClient();
  const [connection, setConnection] = useState<Connection>('connecting');
  useEffect(() => {
    const source = new EventSource('/v1/live/events');
    const update = (fold: (calls: LiveCall[]) => LiveCall[]) =>
      queryClient.setQueryData<LiveCall[]>(LIVE_KEY, (calls) => (calls ? fold(calls) : calls));
    const parse = <K extends keyof LiveEvents>(e: MessageEvent): LiveEvents[K] | undefined => {
      try {
        return JSON.parse(String(e.data)) as LiveEvents[K];
      } catch {
        return undefined;
      }
    };
    source.addEventListener('open', () => {
      setConnection('open');
      void queryClient.invalidateQueries({ queryKey: LIVE_KEY });
    });
    source.addEventListener('error', () => {
      setConnection('reconnecting');
      // A closed stream is not retried by the browser: the session may have ended.
      if (source.readyState === EventSource.CLOSED)
        void queryClient.invalidateQueries({ queryKey: ['session'] });
    });
    source.addEventListener('call', (e) => {
      const event = parse<'call'>(e);
      if (event) update((calls) => applyCallEvent(calls, event));
    });
    source.addEventListener('segment', (e) => {
      const event = parse<'segment'>(e);
      if (event) update((calls) => applySegmentEvent(calls, event));
    });
    // The API could not replay what this stream missed (too much, or too long away): reload.
    source.addEventListener('resync', () => void queryClient.invalidateQueries({ queryKey: LIVE_KEY }));
    return () => source.close();
  }, [queryClient]);
  return connection;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
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
  const connection = useLiveEvents();
  const siteName = useSiteNames();
  const now = useNow(1000);
  const calls = useQuery({
    queryKey: LIVE_KEY,
    queryFn: async () => (await unwrap(api.GET('/v1/live/calls'))).items,
    staleTime: Number.POSITIVE_INFINITY,
  });
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
