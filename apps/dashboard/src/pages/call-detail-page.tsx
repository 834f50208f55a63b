import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { CallDetail } from '../api/call-detail.ts';
import { ApiError, api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import { ErrorState, FormError, Loading } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { saveFile, transcriptText } from '../lib/download.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { endReasonLabel, statusLabel } from '../lib/labels.ts';
import { recordingState } from '../lib/recording-state.ts';
import { currentLineIndex } from '../lib/transcript-sync.ts';
import { AudioPlayer } from './call/audio-player.tsx';
import { CallSetupSteps, EventTimeline, Participants, TurnLatency } from './call/call-sections.tsx';
import { Transcript } from './call/transcript.tsx';

function useRecordingLink(id: string, recording: CallDetail['recording'] | undefined) {
  const playable = recording?.status === 'complete' || recording?.status === 'partial';
  return useQuery({
    queryKey: ['recording-link', id],
    queryFn: () => unwrap(api.GET('/v1/calls/{id}/recording', { params: { path: { id } } })),
    enabled: playable,
    // The link lives 15 minutes; a stale one is replaced when the player reports an error.
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
}

export function CallDetailPage() {
  const { id = '' } = useParams();
  useTitle('Call');
  const siteName = useSiteNames();
  const detail = useQuery({
    queryKey: ['call', id],
    queryFn: () => unwrap(api.GET('/v1/calls/{id}', { params: { path: { id } } })),
  });
  const link = useRecordingLink(id, detail.data?.recording);
  const audio = useRef<HTMLAudioElement>(null);
  const [timeMs, setTimeMs] = useState(0);
  const onTime = useCallback((ms: number) => setTimeMs(ms), []);
  const refetchLink = link.refetch;
  const onExpired = useCallback(() => void refetchLink(), [refetchLink]);
  const exportCall = useMutation({
    mutationFn: () => unwrap(api.GET('/v1/calls/{id}/export', { params: { path: { id } } })),
    onSuccess: (data) => saveFile(`call-${id}.json`, JSON.stringify(data, null, 2), 'application/json'),
  });

  if (detail.isPending) return <Loading what="the call" />;
  if (detail.isError) return <ErrorState error={detail.error} retry={() => void detail.refetch()} />;
  const call = detail.data;
  const current = link.data ? currentLineIndex(call.segments, timeMs) : -1;
  const recordingText = recordingState(
    call,
    !link.isError
      ? undefined
      : link.error instanceof ApiError && link.error.status === 404
        ? 'gone'
        : 'failed',
  );

  return (
    <>
      <p>
        <Link to="/calls">← All calls</Link>
      </p>
      <div className="page-head">
        <h1>{call.callerName ? `Call with ${call.callerName}` : 'Call with an anonymous visitor'}</h1>
        <div className="actions">
          {link.data && (
            <a className="button" href={link.data.url} download={`call-${id}.ogg`}>
              Download audio
            </a>
          )}
          <button
            type="button"
            onClick={() =>
              saveFile(`call-${id}-transcript.txt`, transcriptText(id, call.segments), 'text/plain')
            }
            disabled={call.segments.length === 0}
          >
            Download transcript
          </button>
          <button type="button" onClick={() => exportCall.mutate()} disabled={exportCall.isPending}>
            Export everything (JSON)
          </button>
        </div>
      </div>
      <FormError error={exportCall.error} />
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`badge ${call.status}`}>{statusLabel(call.status)}</span>
          </dd>
        </div>
        <div>
          <dt>Site</dt>
          <dd>{siteName(call.siteId)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(call.startedAt ?? call.createdAt)}</dd>
        </div>
        <div>
          <dt>Length</dt>
          <dd>{formatDuration(call.durationSeconds)}</dd>
        </div>
        <div>
          <dt>Ended because</dt>
          <dd>{endReasonLabel(call.endReason)}</dd>
        </div>
      </dl>
      <div className="grid-2">
        <div className="stack">
          <section className="card" aria-labelledby="recording-heading">
            <h2 id="recording-heading">Recording</h2>
            {recordingText ? (
              <p className="muted">{recordingText}</p>
            ) : link.isPending ? (
              <Loading what="the recording" />
            ) : link.data ? (
              <AudioPlayer
                url={link.data.url}
                audio={audio}
                timeMs={timeMs}
                onTime={onTime}
                onExpired={onExpired}
              />
            ) : null}
          </section>
          <section className="card" aria-labelledby="transcript-heading">
            <h2 id="transcript-heading">Transcript</h2>
            <Transcript
              lines={call.segments}
              current={current}
              audio={audio}
              playable={Boolean(link.data)}
              onSeek={onTime}
            />
          </section>
        </div>
        <div className="stack">
          <section className="card" aria-labelledby="participants-heading">
            <h2 id="participants-heading">Participants</h2>
            <Participants items={call.participants} />
          </section>
          <section className="card" aria-labelledby="setup-heading">
            <h2 id="setup-heading">Call setup</h2>
            <CallSetupSteps metrics={call.metrics} createdAt={call.createdAt} />
          </section>
          <section className="card" aria-labelledby="latency-heading">
            <h2 id="latency-heading">Response times and usage</h2>
            <TurnLatency metrics={call.metrics} />
          </section>
          <section className="card" aria-labelledby="events-heading">
            <h2 id="events-heading">Events</h2>
            <EventTimeline items={call.events} />
          </section>
        </div>
      </div>
    </>
  );
}
