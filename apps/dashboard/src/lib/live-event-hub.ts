import type { LiveEvents } from '../api/types.ts';

export type LiveEventName = keyof LiveEvents;
export type Connection = 'connecting' | 'open' | 'reconnecting';

/** The part of EventSource the hub uses (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (e: Event) => void): void;
  close(): void;
}

const EVENT_NAMES: readonly LiveEventName[] = [
  'call',
  'segment',
  'resync',
  'offer',
  'offer_closed',
  'callback',
];
const CLOSED = 2;

interface HubOptions {
  url: string;
  open?: (url: string) => EventSourceLike;
  /** Schedules a new stream after the browser gave up on one; returns how to cancel it. */
  retryLater?: (fn: () => void, attempt: number) => () => void;
}

const defaultRetry = (fn: () => void, attempt: number) => {
  const t = setTimeout(fn, Math.min(2000 * 2 ** attempt, 30_000));
  return () => clearTimeout(t);
};

/**
 * One GET /v1/live/events per signed-in tab, shared by every page: the offer cards (on any
 * page), the Live page, the answer page's transcript and the callbacks list each listen to the
 * events they need. EventSource reconnects by itself after a dropped connection; a refused one
 * (an error answer) it closes for good, so the hub opens a new one later: someone waiting for
 * calls must not sit on a dead stream. Each (re)open is announced, because offers are not
 * replayed: listeners reload what they hold.
 */
export class LiveEventHub {
  #connection: Connection = 'connecting';
  #source: EventSourceLike | undefined;
  #cancelRetry: (() => void) | undefined;
  #attempt = 0;
  readonly #listeners = new Map<LiveEventName, Set<(data: never) => void>>();
  readonly #opens = new Set<() => void>();
  readonly #closes = new Set<() => void>();
  readonly #watchers = new Set<() => void>();
  readonly #open: (url: string) => EventSourceLike;
  readonly #retryLater: (fn: () => void, attempt: number) => () => void;

  constructor(readonly opts: HubOptions) {
    this.#open = opts.open ?? ((url) => new EventSource(url));
    this.#retryLater = opts.retryLater ?? defaultRetry;
  }

  get connection(): Connection {
    return this.#connection;
  }

  start(): void {
    if (this.#source) return;
    const source = this.#open(this.opts.url);
    this.#source = source;
    source.addEventListener('open', () => {
      this.#attempt = 0;
      this.#setConnection('open');
      for (const fn of this.#opens) fn();
    });
    source.addEventListener('error', () => {
      this.#setConnection('reconnecting');
      if (source.readyState !== CLOSED) return;
      for (const fn of this.#closes) fn();
      this.#source = undefined;
      this.#cancelRetry = this.#retryLater(
        () => {
          this.#cancelRetry = undefined;
          this.start();
        },
        this.#attempt++,
      );
    });
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (e) => {
        let data: unknown;
        try {
          data = JSON.parse(String((e as MessageEvent).data));
        } catch {
          return;
        }
        for (const fn of this.#listeners.get(name) ?? []) (fn as (d: unknown) => void)(data);
      });
    }
  }

  stop(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    this.#source?.close();
    this.#source = undefined;
  }

  on<K extends LiveEventName>(name: K, fn: (data: LiveEvents[K]) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set();
    set.add(fn as (data: never) => void);
    this.#listeners.set(name, set);
    return () => set.delete(fn as (data: never) => void);
  }

  /** Each time the stream opens, first time included. */
  onOpen(fn: () => void): () => void {
    this.#opens.add(fn);
    return () => this.#opens.delete(fn);
  }

  /** The browser closed the stream (refused: often a session that ended). */
  onClosed(fn: () => void): () => void {
    this.#closes.add(fn);
    return () => this.#closes.delete(fn);
  }

  /** For useSyncExternalStore: called when `connection` changes. */
  subscribe = (fn: () => void): (() => void) => {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  };

  #setConnection(next: Connection): void {
    if (next === this.#connection) return;
    this.#connection = next;
    for (const fn of this.#watchers) fn();
  }
}
