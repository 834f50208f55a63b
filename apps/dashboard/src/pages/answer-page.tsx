import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useBlocker, useLocation, useParams } from 'react-router';
import { ApiError, api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import type { LiveSegment } from '../api/types.ts';
import { type AnswerState, useQuietRingtone } from '../components/incoming-calls.tsx';
import { useLiveEvent, useLiveReload } from '../components/live-events.tsx';
import { describeError } from '../components/states.tsx';
import { useNow } from '../components/use-now.ts';
import { useTitle } from '../components/use-title.ts';
import { type CallEnd, endedMessage, type Person, transcriptSpeaker } from '../lib/call-people.ts';
import { formatDuration } from '../lib/format.ts';
import { segmentKey, withSegment } from '../lib/live-calls.ts';
import { joinStaffCall, type StaffCall } from '../lib/staff-call.ts';
import { useUser } from '../session.ts';

const ENDED = new Set(['completed', 'missed', 'failed']);

type Phase = 'joining' | 'in-call' | 'reconnecting' | 'ended' | 'failed';

/**
 * The call's transcript so far (from the live calls list) and each line as it is stored (SSE
 * `segment`), visitor, assistant and staff alike.
 */
function useCallTranscript(callId: string) {
  const queryClient = useQueryClient();
  const key = ['answer-transcript', callId] as const;
  useLiveEvent('segment', (event) => {
    if (event.callId !== callId) return;
    queryClient.setQueryData<LiveSegment[]>(key, (lines) =>
      lines ? withSegment(lines, event.segment) : lines,
    );
  });
  useLiveReload(() => void queryClient.invalidateQueries({ queryKey: key }));
  return useQuery({
    queryKey: key,
    queryFn: async () => {
      const { items } = await unwrap(api.GET('/v1/live/calls'));
      return items.find((c) => c.id === callId)?.segments ?? [];
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * While on a call, leaving the page (a link in the app, closing the tab) asks first: the page
 * holds the call's connection, and a stray click would leave the visitor with the assistant.
 */
function useLeaveGuard(onCall: boolean) {
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => onCall && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!onCall) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [onCall]);
  return blocker;
}

function errorMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'not_with_staff') return 'The call is no longer with you.';
  return describeError(error);
}

function AnswerCall({ state, retry }: { state: AnswerState; retry: () => void }) {
  const { call, offer } = state;
  const user = useUser();
  const siteName = useSiteNames();
  const [phase, setPhase] = useState<Phase>('joining');
  const [end, setEnd] = useState<CallEnd>();
  const [people, setPeople] = useState<Person[]>([]);
  const [muted, setMuted] = useState(false);
  const [micProblem, setMicProblem] = useState<'mic_denied' | 'no_mic'>();
  const [joinError, setJoinError] = useState<unknown>();
  const [joinedAt, setJoinedAt] = useState<number>();
  const session = useRef<StaffCall | undefined>(undefined);
  const audioMount = useRef<HTMLDivElement>(null);
  const now = useNow(1000);
  const transcript = useCallTranscript(call.callId);
  const live = phase === 'joining' || phase === 'in-call' || phase === 'reconnecting';
  useQuietRingtone(live);

  useEffect(() => {
    const mount = audioMount.current;
    if (!mount) return;
    let cancelled = false;
    setPhase('joining');
    joinStaffCall(call, mount, {
      onPeople: (p) => !cancelled && setPeople(p),
      onReconnecting: () => !cancelled && setPhase('reconnecting'),
      onReconnected: () => !cancelled && setPhase('in-call'),
      onMicrophoneProblem: (p) => !cancelled && setMicProblem(p),
      onEnded: (e) => {
        if (cancelled) return;
        session.current = undefined;
        setEnd(e);
        setPhase('ended');
      },
    }).then(
      (joined) => {
        if (cancelled) return void joined.leave('left');
        session.current = joined;
        setJoinedAt(Date.now());
        setPhase('in-call');
      },
      (err: unknown) => {
        if (cancelled) return;
        setJoinError(err);
        setPhase('failed');
      },
    );
    return () => {
      cancelled = true;
      void session.current?.leave('left');
      session.current = undefined;
    };
  }, [call]);

  // The call ended for everyone (the visitor hung up, another admin ended it): leave the room.
  useLiveEvent('call', ({ call: changed }) => {
    if (changed.id === call.callId && ENDED.has(changed.status)) void session.current?.leave('call_ended');
  });

  const handBack = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/calls/{id}/hand-back', { params: { path: { id: call.callId } } })),
    onSuccess: () => void session.current?.leave('handed_back'),
  });
  const endCall = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/calls/{id}/end', { params: { path: { id: call.callId } } })),
    onSuccess: () => void session.current?.leave('call_ended'),
  });
  const toggleMute = () => {
    const next = !muted;
    setMuted(next);
    void session.current?.setMuted(next).catch(() => setMuted(!next));
  };

  const statusText =
    phase === 'joining'
      ? 'Joining the call…'
      : phase === 'in-call'
        ? `You are on the call · ${formatDuration(joinedAt ? (now - joinedAt) / 1000 : 0)}`
        : phase === 'reconnecting'
          ? 'Connection lost, reconnecting…'
          : phase === 'failed'
            ? 'Could not join the call.'
            : endedMessage(end ?? 'room_closed');
  const blocker = useLeaveGuard(live);
  // The assistant's worker died while the call was with staff: the call goes on, but handing it
  // back would end it (nobody left to take it).
  const noAssistant = phase === 'in-call' && people.length > 0 && !people.some((p) => p.kind === 'assistant');
  const actionError = handBack.error ?? endCall.error;
  const busy = handBack.isPending || endCall.isPending;

  return (
    <>
      <div className="page-head">
        <h1>Call from {siteName(offer.siteId)}</h1>
        <p className="connection" role="status">
          {statusText}
        </p>
      </div>
      <div className="grid-2">
        <div className="stack">
          {blocker.state === 'blocked' && (
            <div className="alert" role="alertdialog" aria-label="Leave the call?">
              <p>
                {noAssistant
                  ? 'Leave the call? The assistant has left it: if you do not return within a few seconds, the call ends.'
                  : 'Leave the call? The visitor stays on the line and the assistant takes it back if you do not return within a few seconds. To pass it on properly, hand it back first.'}
              </p>
              <div className="actions">
                <button type="button" className="primary" onClick={() => blocker.reset()}>
                  Stay on the call
                </button>
                <button type="button" onClick={() => blocker.proceed()}>
                  Leave the call
                </button>
              </div>
            </div>
          )}
          {phase === 'failed' && (
            <div className="alert" role="alert">
              <p>{describeError(joinError)}</p>
              <button type="button" onClick={retry}>
                Try again
              </button>
            </div>
          )}
          {micProblem && live && (
            <p className="alert" role="alert">
              {micProblem === 'no_mic'
                ? 'No microphone was found: you can hear the call but not speak. Connect one and reload.'
                : 'Microphone access is blocked: you can hear the call but not speak. Allow it in your browser and reload.'}
            </p>
          )}
          {live ? (
            <section className="card" aria-label="Call controls">
              <div className="actions">
                <button
                  type="button"
                  aria-pressed={muted}
                  onClick={toggleMute}
                  disabled={phase !== 'in-call' || !!micProblem}
                >
                  Mute
                </button>
                <button
                  type="button"
                  onClick={() => handBack.mutate()}
                  disabled={phase !== 'in-call' || busy || noAssistant}
                >
                  Hand back to assistant
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => endCall.mutate()}
                  disabled={phase !== 'in-call' || busy}
                >
                  End call
                </button>
              </div>
              <p className="muted">
                {muted ? 'Your microphone is off.' : 'Your microphone is on.'} Ending the call hangs up for
                the visitor too;{' '}
                {noAssistant
                  ? 'the assistant has left this call, so there is nobody to hand it back to.'
                  : 'handing back lets the assistant carry on.'}
              </p>
              {actionError && (
                <p className="field-error" role="alert">
                  {errorMessage(actionError)}
                </p>
              )}
            </section>
          ) : (
            phase === 'ended' && (
              <section className="card notice" aria-label="Call over">
                <p>
                  You are no longer in this call.{' '}
                  <Link to={`/calls/${call.callId}`}>Open the call’s record</Link>
                </p>
              </section>
            )
          )}
          <section className="card" aria-labelledby="answer-transcript">
            <h2 id="answer-transcript">Transcript</h2>
            {transcript.isError ? (
              <p className="muted">The transcript could not be loaded: {describeError(transcript.error)}</p>
            ) : (transcript.data ?? []).length === 0 ? (
              <p className="muted">Nothing said yet.</p>
            ) : (
              <div
                className="live-lines answer-lines"
                role="log"
                aria-live="polite"
                aria-label="Transcript of the call"
              >
                {(transcript.data ?? []).map((s) => (
                  <p key={segmentKey(s)}>
                    <span className="who">{transcriptSpeaker(s.speaker, user.id)}:</span>
                    {s.text}
                  </p>
                ))}
              </div>
            )}
          </section>
        </div>
        <div className="stack">
          <section className="card" aria-labelledby="answer-people">
            <h2 id="answer-people">In the call</h2>
            {live && people.length > 0 ? (
              <ul className="people">
                {people.map((p) => (
                  <li key={p.identity} className={`person ${p.kind}`}>
                    {p.label}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">{live ? 'Joining…' : 'Nobody: you are not in the call.'}</p>
            )}
          </section>
          <section className="card" aria-labelledby="answer-why">
            <h2 id="answer-why">Why the visitor asked for a person</h2>
            <p>{offer.reason}</p>
            {offer.summary && (
              <>
                <h3>Summary</h3>
                <p className="pre-line">{offer.summary}</p>
              </>
            )}
          </section>
        </div>
      </div>
      <div ref={audioMount} hidden />
    </>
  );
}

/**
 * Answering a call accepted from an offer. The room token comes in router state (memory only,
 * never the address or storage); opened any other way, the page points to the call's record.
 */
export function AnswerPage() {
  useTitle('Answer call');
  const { callId } = useParams();
  const state = useLocation().state as AnswerState | null;
  const [attempt, setAttempt] = useState(0);
  if (!state?.call || state.call.callId !== callId) {
    return (
      <div className="state" role="alert">
        <h1>No call to answer here</h1>
        <p>Calls are answered from their offer: accept one when it rings.</p>
        {callId && <Link to={`/calls/${callId}`}>Open the call’s record</Link>}
      </div>
    );
  }
  // Trying again mounts a fresh call view, which joins again with the same token.
  return (
    <AnswerCall
      key={`${state.call.callId}:${attempt}`}
      state={state}
      retry={() => setAttempt((a) => a + 1)}
    />
  );
}
