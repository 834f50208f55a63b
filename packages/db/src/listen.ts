import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

export interface ListenHandlers {
  onNotify(payload: string): void;
  /**
   * Called each time the channel is listened on. `reconnected`: the connection had dropped, so
   * notifications sent in between were lost and whoever relies on them must catch up.
   */
  onListening?(reconnected: boolean): void;
  /** The connection dropped or a reconnect failed; the next attempt is in `retryInMs`. */
  onError?(err: unknown, retryInMs: number): void;
}

export interface Listening {
  close(): Promise<void>;
}

export interface ListenBackoff {
  minMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: ListenBackoff = { minMs: 250, maxMs: 10_000 };
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): void {
  // Interpolated into LISTEN (it takes an identifier, not a parameter): plain names only.
  if (!CHANNEL.test(channel)) throw new Error(`invalid channel name "${channel}"`);
}

/** PGlite is one in-process session: NOTIFY reaches its own listeners at commit, like a server's. */
export async function listenPglite(
  client: PGlite,
  channel: string,
  handlers: ListenHandlers,
): Promise<Listening> {
  checkChannel(channel);
  const unsubscribe = await client.listen(channel, (payload) => handlers.onNotify(payload));
  handlers.onListening?.(false);
  return { close: () => unsubscribe() };
}

/**
 * One dedicated connection per call, outside the query pool (a pooled connection would be
 * handed to queries and its LISTEN lost). postgres-js's own `listen` re-listens once when the
 * connection drops and gives up silently if the server is still down at that moment; this one
 * keeps retrying with capped exponential backoff until closed.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
  backoff: ListenBackoff = DEFAULT_BACKOFF,
): Promise<Listening> {
  checkChannel(channel);
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let listened = false;
  let listenedBefore = false;

  const options = {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 10,
    fetch_types: false,
    onnotice: () => {},
    // Not in postgres-js's published types, but the option its own `listen` is built on.
    onnotify: (from: string, payload: string) => {
      if (from === channel) handlers.onNotify(payload);
    },
    onclose: () => {
      if (!closed && listened) retryLater(new Error('listening connection closed'));
    },
  };
  const conn = postgres(url, options as postgres.Options<Record<string, never>>);

  const attempt = async (): Promise<void> => {
    pending = false;
    if (closed) return;
    try {
      listened = false;
      await conn.unsafe(`listen ${channel}`);
      if (closed) return;
      const reconnected = failures > 0 || listenedBefore;
      failures = 0;
      listened = true;
      listenedBefore = true;
      handlers.onListening?.(reconnected);
    } catch (err) {
      retryLater(err);
    }
  };

  function retryLater(err: unknown): void {
    if (closed || pending) return;
    pending = true;
    listened = false;
    const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** failures);
    // Jitter, so the API processes of a cluster do not all reconnect in the same instant.
    const wait = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    failures++;
    handlers.onError?.(err, wait);
    timer = setTimeout(() => void attempt(), wait);
    timer.unref();
  }

  await attempt();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await conn.end({ timeout: 2 });
    },
  };
}
