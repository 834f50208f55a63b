/** One message of a text/event-stream, as a browser's EventSource would see it (comments kept). */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
  /** The text of a `:` comment line (heartbeats), when the message is one. */
  comment?: string;
  /** When it arrived, in ms since the epoch (sub-millisecond). */
  at: number;
}

export interface SseClient {
  status: number;
  messages: SseMessage[];
  /** Resolves with the first message (already received or still to come) that matches. */
  next(match: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Waits `ms` and returns what matched in the meantime: for "nothing arrives" checks. */
  within(ms: number, match: (m: SseMessage) => boolean): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream (or close() aborts it). */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over fetch, so a test can send headers and see comments. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = {
              event: 'message',
              id: undefined,
              data: '',
              at: performance.timeOrigin + performance.now(),
            };
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) message.comment = line.slice(1).trim();
              else if (line.startsWith('event: ')) message.event = line.slice(7);
              else if (line.startsWith('id: ')) message.id = line.slice(4);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            message.data = data.join('\n');
            messages.push(message);
            for (const wake of waiters) wake();
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    status: res.status,
    messages,
    next(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async within(ms, match) {
      const from = messages.length;
      await new Promise((r) => setTimeout(r, ms));
      return messages.slice(from).filter(match);
    },
    ended,
    close: () => abort.abort(),
  };
}

export const isEvent =
  <T>(type: string, where: (data: T) => boolean = () => true) =>
  (m: SseMessage) =>
    m.event === type && where(JSON.parse(m.data) as T);
