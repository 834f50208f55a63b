import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { LiveEvents } from '../api/types.ts';
import { type Connection, LiveEventHub, type LiveEventName } from '../lib/live-event-hub.ts';
import { SESSION_KEY } from '../session.ts';

const HubContext = createContext<LiveEventHub | null>(null);

/** Opens the tab's one live event stream for the signed-in pages under it. */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [hub] = useState(() => new LiveEventHub({ url: '/v1/live/events' }));
  useEffect(() => {
    // A stream the browser closed was refused: the session may have ended (a 401 elsewhere then
    // sends the user to sign in; if it is fine, the hub opens a new stream shortly).
    const stop = hub.onClosed(() => void queryClient.invalidateQueries({ queryKey: SESSION_KEY }));
    hub.start();
    return () => {
      stop();
      hub.stop();
    };
  }, [hub, queryClient]);
  return <HubContext.Provider value={hub}>{children}</HubContext.Provider>;
}

function useHub(): LiveEventHub {
  const hub = useContext(HubContext);
  if (!hub) throw new Error('live events used outside LiveEventsProvider');
  return hub;
}

/** Calls `handler` for each event of this name while the component is shown. */
export function useLiveEvent<K extends LiveEventName>(name: K, handler: (data: LiveEvents[K]) => void): void {
  const hub = useHub();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => hub.on(name, (data) => latest.current(data)), [hub, name]);
}

/**
 * Calls `reload` each time the stream (re)opens and when the API says events were missed
 * (`resync`): what the stream does not replay is fetched again.
 */
export function useLiveReload(reload: () => void): void {
  const hub = useHub();
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    const stopOpen = hub.onOpen(() => latest.current());
    const stopResync = hub.on('resync', () => latest.current());
    return () => {
      stopOpen();
      stopResync();
    };
  }, [hub]);
}

export function useLiveConnection(): Connection {
  const hub = useHub();
  return useSyncExternalStore(hub.subscribe, () => hub.connection);
}
