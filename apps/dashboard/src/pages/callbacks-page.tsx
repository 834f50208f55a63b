import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, unwrap } from '../api/client.ts';
import { useSiteNames } from '../api/queries.ts';
import type { CallbackRequest, CallbackStatus } from '../api/types.ts';
import { useLiveEvent, useLiveReload } from '../components/live-events.tsx';
import { describeError, Empty, ErrorState, Loading } from '../components/states.tsx';
import { useTitle } from '../components/use-title.ts';
import { applyCallbackEvent, callbackActions } from '../lib/callback-requests.ts';
import { formatDateTime } from '../lib/format.ts';
import { useUser } from '../session.ts';

/** The two lists staff switch between: what still needs a call back, and what was done. */
const VIEWS = {
  waiting: { label: 'Open and claimed', shown: ['open', 'claimed'] as CallbackStatus[] },
  closed: { label: 'Closed', shown: ['closed'] as CallbackStatus[] },
} as const;
type View = keyof typeof VIEWS;
const keyOf = (view: View) => ['callback-requests', view] as const;

const STATUS_LABELS: Record<CallbackStatus, string> = { open: 'Open', claimed: 'Claimed', closed: 'Closed' };

/** Every list held gets the changed request (created, claimed, closed), each by its own statuses. */
function useFoldRequest() {
  const queryClient = useQueryClient();
  return (item: CallbackRequest) => {
    for (const view of Object.keys(VIEWS) as View[]) {
      queryClient.setQueryData<CallbackRequest[]>(keyOf(view), (items) =>
        items ? applyCallbackEvent(items, item, VIEWS[view].shown) : items,
      );
    }
  };
}

function CallbackRow({
  item,
  siteName,
  onError,
}: {
  item: CallbackRequest;
  siteName: string;
  onError: (error: unknown) => void;
}) {
  const user = useUser();
  const fold = useFoldRequest();
  const queryClient = useQueryClient();
  const options = { params: { path: { id: item.id } } };
  const act = useMutation({
    mutationFn: (action: 'claim' | 'close') =>
      unwrap(
        action === 'claim'
          ? api.POST('/v1/callback-requests/{id}/claim', options)
          : api.POST('/v1/callback-requests/{id}/close', options),
      ),
    onSuccess: fold,
    onError: (error) => {
      onError(error);
      // Someone else got there first: show the list as it is now.
      void queryClient.invalidateQueries({ queryKey: ['callback-requests'] });
    },
  });
  const can = callbackActions(item, user);
  const claimer = item.claimedBy ? (item.claimedBy.id === user.id ? 'you' : item.claimedBy.name) : null;
  return (
    <tr>
      <td>{formatDateTime(item.createdAt)}</td>
      <td>{item.name}</td>
      <td className="contact">{item.contact}</td>
      <td>{item.reason}</td>
      <td>{siteName}</td>
      <td>
        <span className={`badge callback-${item.status}`}>{STATUS_LABELS[item.status]}</span>
        {claimer && item.status === 'claimed' && <span className="muted"> by {claimer}</span>}
        {item.status === 'closed' && item.closedAt && (
          <span className="muted"> {formatDateTime(item.closedAt)}</span>
        )}
      </td>
      <td>
        <Link to={`/calls/${item.callId}`}>Call</Link>
      </td>
      <td>
        <div className="actions">
          {can.claim && (
            <button type="button" disabled={act.isPending} onClick={() => act.mutate('claim')}>
              Claim
            </button>
          )}
          {can.close && (
            <button type="button" disabled={act.isPending} onClick={() => act.mutate('close')}>
              Close request
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function claimError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'callback_claimed')
    return 'Someone else has claimed this request.';
  return describeError(error);
}

/** Visitors nobody could answer, who asked to be called back: claim one, call, close it. */
export function CallbacksPage() {
  useTitle('Callbacks');
  const [view, setView] = useState<View>('waiting');
  const [error, setError] = useState<unknown>();
  const siteName = useSiteNames();
  const queryClient = useQueryClient();
  const fold = useFoldRequest();
  useLiveEvent('callback', ({ callbackRequest }) => fold(callbackRequest));
  useLiveReload(() => void queryClient.invalidateQueries({ queryKey: ['callback-requests'] }));
  const requests = useQuery({
    queryKey: keyOf(view),
    queryFn: async () =>
      (
        await unwrap(
          api.GET(
            '/v1/callback-requests',
            view === 'closed' ? { params: { query: { status: 'closed' } } } : {},
          ),
        )
      ).items,
    // Events fold changes in; a list not shown for a while is read again when it is shown.
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnMount: 'always',
  });
  return (
    <>
      <div className="page-head">
        <h1>Callback requests</h1>
        <label className="inline">
          Show
          <select value={view} onChange={(e) => setView(e.target.value as View)}>
            {(Object.keys(VIEWS) as View[]).map((v) => (
              <option key={v} value={v}>
                {VIEWS[v].label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== undefined && (
        <div className="alert" role="alert">
          {claimError(error)}{' '}
          <button type="button" className="link" onClick={() => setError(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      {requests.isPending ? (
        <Loading what="callback requests" />
      ) : requests.isError ? (
        <ErrorState error={requests.error} retry={() => void requests.refetch()} />
      ) : requests.data.length === 0 ? (
        <Empty>
          {view === 'closed'
            ? 'No closed callback requests.'
            : 'Nobody is waiting for a call back. Requests appear here as visitors leave them.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Callback requests, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Asked</th>
                <th scope="col">Name</th>
                <th scope="col">Contact</th>
                <th scope="col">Reason</th>
                <th scope="col">Site</th>
                <th scope="col">Status</th>
                <th scope="col">Call</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.data.map((item) => (
                <CallbackRow key={item.id} item={item} siteName={siteName(item.siteId)} onError={setError} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
