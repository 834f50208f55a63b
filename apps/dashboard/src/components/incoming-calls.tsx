import { useMutation } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useReducer,
  useRef,
  useState,
} from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import type { AcceptedCall, Offer } from '../api/types.ts';
import { clockSkew, secondsLeft } from '../lib/countdown.ts';
import { initialOffers, offersReducer } from '../lib/offers.ts';
import { listenForFirstGesture, Ringtone } from '../lib/ringtone.ts';
import { loadAnswerPage } from '../pages/answer-page-chunk.ts';
import { useLiveEvent, useLiveReload } from './live-events.tsx';
import { describeError } from './states.tsx';
import { useNow } from './use-now.ts';

/** What the answer page receives in router state (memory only: never the URL or storage). */
export interface AnswerState {
  call: AcceptedCall;
  offer: Pick<Offer, 'id' | 'siteId' | 'reason' | 'summary'>;
}

const QuietContext = createContext<(quiet: boolean) => void>(() => {});

/** While a staff member is talking on a call, offers still show but do not ring in their ears. */
export function useQuietRingtone(quiet: boolean): void {
  const setQuiet = useContext(QuietContext);
  useEffect(() => {
    setQuiet(quiet);
    return () => setQuiet(false);
  }, [quiet, setQuiet]);
}

/** The message after an accept or decline that came too late, in the words staff read. */
export function tooLateMessage(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.code === 'escalation_taken') return 'Someone else took this call.';
  if (error.status === 409 || error.status === 404) return 'This offer is no longer ringing.';
  return undefined;
}

/**
 * The calls ringing for this staff member: the list after each (re)connect of the live stream
 * (offers are not replayed), then `offer` / `offer_closed` events, and the countdown; only
 * while they are available.
 */
function useOffers(enabled: boolean) {
  const [state, dispatch] = useReducer(offersReducer, initialOffers);
  const [skew, setSkew] = useState(0);
  const enabledRef = useRef(enabled);
  enabledRef.current = enabled;
  const reload = useCallback(async () => {
    if (!enabledRef.current) return;
    const requestedAt = Date.now();
    const { data, response } = await api.GET('/v1/escalations');
    if (!response.ok || !data) return;
    setSkew(clockSkew(response.headers.get('date'), Date.now()));
    dispatch({ type: 'loaded', offers: data.items, requestedAt });
  }, []);
  useLiveReload(() => void reload().catch(() => undefined));
  useEffect(() => {
    if (enabled) void reload().catch(() => undefined);
    else dispatch({ type: 'loaded', offers: [], requestedAt: Date.now() });
  }, [enabled, reload]);
  useLiveEvent('offer', ({ escalation }) => {
    if (enabledRef.current) dispatch({ type: 'offer', offer: escalation, at: Date.now() });
  });
  useLiveEvent('offer_closed', ({ escalationId }) => dispatch({ type: 'closed', escalationId }));
  const serverNow = useNow(500) + skew;
  useEffect(() => dispatch({ type: 'tick', serverNow }), [serverNow]);
  return {
    offers: state.offers,
    serverNow,
    dismiss: (id: string) => dispatch({ type: 'dismissed', escalationId: id }),
  };
}

/** One ringtone for the tab, unlocked by the first click or key press anywhere on the page. */
function useRingtone(ringing: boolean): { needsGesture: boolean } {
  const [ringtone] = useState(() => new Ringtone({ createContext: () => new AudioContext() }));
  const [unlocked, setUnlocked] = useState(false);
  useEffect(() => {
    const stop = listenForFirstGesture(window, () => {
      ringtone.unlock();
      setUnlocked(true);
    });
    return () => {
      stop();
    };
  }, [ringtone]);
  useEffect(() => ringtone.setRinging(ringing), [ringtone, ringing]);
  useEffect(() => () => ringtone.setRinging(false), [ringtone]);
  return { needsGesture: ringing && !unlocked };
}

function OfferCard({
  offer,
  serverNow,
  siteName,
  needsGesture,
  onDone,
}: {
  offer: Offer;
  serverNow: number;
  siteName: string;
  needsGesture: boolean;
  onDone: (message?: string) => void;
}) {
  const navigate = useNavigate();
  const accept = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/escalations/{id}/accept', { params: { path: { id: offer.id } } })),
    onSuccess: (call) => {
      onDone();
      const state: AnswerState = {
        call,
        offer: { id: offer.id, siteId: offer.siteId, reason: offer.reason, summary: offer.summary },
      };
      void navigate(`/answer/${call.callId}`, { state });
    },
    onError: (error) => {
      const late = tooLateMessage(error);
      if (late) onDone(late);
    },
  });
  const decline = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/v1/escalations/{id}/decline', { params: { path: { id: offer.id } } })),
    // Declined, or gone already: either way it no longer rings here.
    onSuccess: () => onDone(),
    onError: (error) => {
      if (tooLateMessage(error)) onDone();
    },
  });
  const left = secondsLeft(offer.expiresAt, serverNow);
  // The offer's whole time (30 s unless the site says otherwise), for the bar.
  const total = Math.max(1, secondsLeft(offer.expiresAt, Date.parse(offer.requestedAt)));
  const error = accept.error ?? decline.error;
  const busy = accept.isPending || decline.isPending;
  return (
    <section className="card offer-card" aria-label="Incoming call">
      <h2>Incoming call · {siteName}</h2>
      <p className="offer-reason">
        <span className="who">Reason:</span> {offer.reason}
      </p>
      {offer.summary && (
        <p className="offer-summary">
          <span className="who">Summary:</span> {offer.summary}
        </p>
      )}
      <p className="offer-countdown" aria-live="off">
        <span className="countdown">{left} s</span> left to answer
      </p>
      <progress className="offer-progress" max={total} value={Math.min(left, total)} aria-hidden="true" />
      {needsGesture && (
        <p className="muted offer-sound">
          The ringtone is silent until you click or press a key on this page.
        </p>
      )}
      {error && !tooLateMessage(error) && (
        <p className="field-error" role="alert">
          {describeError(error)}
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="primary"
          onClick={() => accept.mutate()}
          disabled={busy || left === 0}
        >
          {accept.isPending ? 'Joining…' : 'Accept'}
        </button>
        <button type="button" onClick={() => decline.mutate()} disabled={busy}>
          Decline
        </button>
      </div>
    </section>
  );
}

/**
 * Offers of calls ringing for this staff member, on every page of the app, with the ringtone.
 * Wraps the app's pages so the answer page can keep the ringtone quiet during a call.
 */
export function IncomingCalls({ available, children }: { available: boolean; children: ReactNode }) {
  const { offers, serverNow, dismiss } = useOffers(available);
  const [quiet, setQuiet] = useState(false);
  const [message, setMessage] = useState<string>();
  const { needsGesture } = useRingtone(offers.length > 0 && !quiet);
  const ringing = offers.length > 0;
  useEffect(() => {
    if (ringing) void loadAnswerPage().catch(() => undefined);
  }, [ringing]);
  const siteName = useSiteNames();
  return (
    <QuietContext.Provider value={setQuiet}>
      {children}
      <div className="offers" aria-live="polite">
        {message && (
          <div className="alert offer-message" role="alert">
            <p>{message}</p>
            <button type="button" onClick={() => setMessage(undefined)}>
              Dismiss
            </button>
          </div>
        )}
        {offers.map((offer) => (
          <OfferCard
            key={offer.id}
            offer={offer}
            serverNow={serverNow}
            siteName={siteName(offer.siteId)}
            needsGesture={needsGesture}
            onDone={(m) => {
              dismiss(offer.id);
              setMessage(m);
            }}
          />
        ))}
      </div>
    </QuietContext.Provider>
  );
}
