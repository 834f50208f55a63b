import type { DatabaseHandle, Listening } from '@voicedesk/db';
import { errorFacts } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { readCallbackRequest } from '../callbacks/callback-requests.ts';
import { availableStaffOf } from '../escalations/availability.ts';
import { readEscalation } from '../escalations/query.ts';
import { LIVE_CHANNEL, type LiveNotice, parseLiveNotice } from './notify.ts';
import {
  type CallChange,
  readCallChange,
  readChangesSince,
  readSegmentChanges,
  type SegmentChange,
  type SiteScope,
} from './query.ts';

/**
 * One server-sent event, serialised once and shared by every client that receives it.
 * `resync`: events may have been lost (too many to replay): reload GET /v1/live/calls.
 * `offer` / `offer_closed`: an escalation rings for available staff / stopped ringing. They are
 * not replayed: a client that reconnects reloads GET /v1/escalations.
 * `callback`: a callback request was stored, claimed or closed (not replayed either: reload
 * GET /v1/callback-requests).
 */
export interface LiveEvent {
  type: 'call' | 'segment' | 'resync' | 'offer' | 'offer_closed' | 'callback';
  /** When the row was stored, in ms since the epoch: what a client resumes from (Last-Event-ID). */
  id: string | undefined;
  /** The call's site; undefined for `resync`, which goes to everyone. */
  siteId: string | undefined;
  data: string;
}

export interface LiveSubscriber {
  scope: SiteScope;
  /** The signed-in staff member, who receives offers while available; none for an API key. */
  staffId?: string | undefined;
  /** Must not block: a slow client queues (or is dropped), it never holds up the others. */
  deliver(event: LiveEvent): void;
  /** The hub is closing (the process stops): end the stream so the server can close. */
  end(): void;
}

export interface LiveHub {
  /** Resolves once this process listens, so nothing stored after it resolves is missed. */
  subscribe(subscriber: LiveSubscriber): Promise<() => void>;
  /** Changes stored after `since`, for a client that comes back with a Last-Event-ID. */
  replay(scope: SiteScope, since: Date): Promise<LiveEvent[]>;
  readonly subscribers: number;
  close(): Promise<void>;
}

/**
 * How far before a resume point the replay starts. A row's time is its transaction's start, and
 * transactions commit out of order, so a row stored just before the last delivered one may have
 * been committed after it. Clients drop what they already have (segment ids, whole call rows).
 */
export const REPLAY_OVERLAP_MS = 5_000;

export function inScope(scope: SiteScope, siteId: string | undefined): boolean {
  return siteId === undefined || scope === 'all' || scope.includes(siteId);
}

export function callEvent(change: CallChange): LiveEvent {
  return {
    type: 'call',
    id: String(change.at.getTime()),
    siteId: change.siteId,
    data: JSON.stringify({ call: change.call }),
  };
}

export function segmentEvent(change: SegmentChange): LiveEvent {
  return {
    type: 'segment',
    id: String(change.at.getTime()),
    siteId: change.siteId,
    data: JSON.stringify({ callId: change.callId, segment: change.segment }),
  };
}

export const RESYNC_EVENT: LiveEvent = { type: 'resync', id: undefined, siteId: undefined, data: '{}' };

/**
 * The Live view's fan-out in one process. Writers NOTIFY (services/live/notify.ts) in the
 * transaction that stores the change; this hub LISTENs on one connection of its own, reads each
 * changed row once, and hands the event to every subscriber allowed to see its site. Every API
 * process has its own hub, so a change stored through any process reaches clients of all of
 * them; on PGlite the same LISTEN/NOTIFY runs inside the one process.
 */
export function createLiveHub(database: DatabaseHandle, logger: Logger): LiveHub {
  const subscribers = new Set<LiveSubscriber>();
  let listening: Promise<Listening> | undefined;
  let closed = false;
  /** Notices are handled one at a time, so a call's segments go out in the order they were stored. */
  let chain: Promise<void> = Promise.resolve();
  let droppedAt: Date | undefined;

  const emit = (event: LiveEvent) => {
    for (const sub of subscribers) if (inScope(sub.scope, event.siteId)) sub.deliver(event);
  };

  const handle = async (notice: LiveNotice) => {
    if (subscribers.size === 0) return;
    if (notice.kind === 'escalation') {
      await handleEscalation(notice.escalationId);
      return;
    }
    if (notice.kind === 'callback') {
      const callbackRequest = await readCallbackRequest(database.db, notice.callbackRequestId);
      if (!callbackRequest) return;
      emit({
        type: 'callback',
        id: undefined,
        siteId: callbackRequest.siteId,
        data: JSON.stringify({ callbackRequest }),
      });
      return;
    }
    if (notice.kind === 'call') {
      const change = await readCallChange(database.db, notice.callId);
      if (change) emit(callEvent(change));
      return;
    }
    for (const change of await readSegmentChanges(database.db, notice.callId, notice.seqs)) {
      emit(segmentEvent(change));
    }
  };

  /** A ringing offer goes to the site's available staff who have not declined it; a close to all. */
  const handleEscalation = async (escalationId: string) => {
    const escalation = await readEscalation(database.db, escalationId);
    if (!escalation) return;
    if (escalation.status === 'ringing') {
      const offered = new Set(await availableStaffOf(database.db, escalation.siteId, escalation.id));
      const event: LiveEvent = {
        type: 'offer',
        id: undefined,
        siteId: escalation.siteId,
        data: JSON.stringify({ escalation }),
      };
      for (const sub of subscribers) {
        if (sub.staffId !== undefined && offered.has(sub.staffId) && inScope(sub.scope, event.siteId)) {
          sub.deliver(event);
        }
      }
      return;
    }
    emit({
      type: 'offer_closed',
      id: undefined,
      siteId: escalation.siteId,
      data: JSON.stringify({ escalationId, callId: escalation.callId, status: escalation.status }),
    });
  };

  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((err: unknown) => {
      // The event is lost for this process's clients; the next one for the call carries its state.
      logger.warn(errorFacts(err), 'live event could not be read');
    });
  };

  const replay = async (scope: SiteScope, since: Date): Promise<LiveEvent[]> => {
    const changes = await readChangesSince(database.db, scope, since);
    const events = [...changes.calls.map(callEvent), ...changes.segments.map(segmentEvent)].sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    if (!changes.complete) events.push(RESYNC_EVENT);
    return events;
  };

  const start = () =>
    database.listen(LIVE_CHANNEL, {
      onNotify(payload) {
        const notice = parseLiveNotice(payload);
        if (notice) enqueue(() => handle(notice));
        else logger.warn('ignored a malformed live notice');
      },
      onListening(reconnected) {
        if (!reconnected) return;
        const since = new Date((droppedAt ?? new Date()).getTime() - REPLAY_OVERLAP_MS);
        droppedAt = undefined;
        logger.info('live listener reconnected, replaying what it missed');
        // What was stored while the connection was down, to everyone, scoped as usual.
        enqueue(async () => {
          for (const event of await replay('all', since)) emit(event);
        });
      },
      onError(err, retryInMs) {
        droppedAt ??= new Date();
        logger.warn({ retryInMs, ...errorFacts(err) }, 'live listener lost its connection');
      },
    });

  return {
    async subscribe(subscriber) {
      if (closed) throw new Error('live hub is closed');
      // Started by the first client, kept for the life of the process: one connection per process.
      listening ??= start();
      try {
        await listening;
      } catch (err) {
        listening = undefined;
        throw err;
      }
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    replay,
    get subscribers() {
      return subscribers.size;
    },
    async close() {
      closed = true;
      for (const sub of subscribers) sub.end();
      subscribers.clear();
      const running = listening;
      listening = undefined;
      if (running) await (await running.catch(() => undefined))?.close();
      await chain;
    },
  };
}
