import type { LiveEvent } from './hub.ts';

/** What a connection writes to: Hono's SSE stream, or a stand-in in tests. */
export interface ChunkWriter {
  write(chunk: string): Promise<unknown>;
}

export interface ConnectionOptions {
  heartbeatMs: number;
  /** Events waiting for a slow client beyond this and it is dropped (it resumes with Last-Event-ID). */
  maxQueued: number;
  /** Called once when the connection gives up on its client (queue overflow). */
  onOverflow(): void;
}

export function formatEvent(event: LiveEvent): string {
  // JSON has no raw newlines, so the data is one `data:` line.
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `event: ${event.type}\n${id}data: ${event.data}\n\n`;
}

/**
 * One client's side of the stream. The hub hands events over without waiting (push); this
 * connection writes them in order, one at a time, at the client's own pace, so a client on a
 * slow link only ever delays itself. A heartbeat comment goes out when the line is idle.
 */
export class LiveConnection {
  private readonly queue: string[] = [];
  private writing = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly writer: ChunkWriter,
    private readonly options: ConnectionOptions,
  ) {
    this.heartbeat = setInterval(() => {
      if (!this.writing && this.queue.length === 0) this.enqueue(': heartbeat\n\n');
    }, options.heartbeatMs);
  }

  push(event: LiveEvent): void {
    this.enqueue(formatEvent(event));
  }

  get queued(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
  }

  private enqueue(chunk: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.maxQueued) {
      this.close();
      this.options.onOverflow();
      return;
    }
    this.queue.push(chunk);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      for (let chunk = this.queue.shift(); chunk !== undefined && !this.closed; chunk = this.queue.shift()) {
        await this.writer.write(chunk);
      }
    } finally {
      this.writing = false;
    }
  }
}
