import type { RecordingFinish, SpeechOnsets } from '@voicedesk/core';
import type { InternalApi, SendOutcome } from '../api-client.ts';
import { backoffDelay, sleep } from '../backoff.ts';
import type { AgentLogger } from '../logger.ts';
import { postFinish, putChunk } from './recording-requests.ts';
import type { RecordingProgress, RecordingSpool, SpooledChunk } from './recording-spool.ts';

type Totals = Omit<RecordingProgress, 'v' | 'callId'>;

interface ChunkItem extends SpooledChunk {
  kind: 'chunk';
  /** In memory until the spool holds it; then read back from disk when sent. */
  bytes: Uint8Array | null;
  spooled: boolean;
}

interface FinishItem {
  kind: 'finish';
}

type Item = ChunkItem | FinishItem;

/** How the uploads of a recording ended. */
export type UploadOutcome =
  /** Every chunk and the finish were taken. */
  | 'delivered'
  /** The API refused for good (recording_not_found, recording_closed ...): the recording stops. */
  | 'rejected'
  /** Stopped while the API was away: what is left is in the spool for a later replay. */
  | 'stopped';

export interface RecordingUploaderOptions {
  api: InternalApi;
  callId: string;
  spool: RecordingSpool;
  logger: AgentLogger;
  /** What the spool already holds (a replay), or a fresh recording. */
  totals?: Totals;
  maxBackoffMs?: number;
}

/**
 * Sends a recording's chunks strictly in order, then its finish. While the API takes them
 * nothing touches the disk but `progress.json`. The first time it does not (no answer, a
 * timeout, 5xx, 429, 401/403) the chunk, and every chunk queued behind it or added later, goes
 * to the spool, and the head is retried with capped backoff until the API answers; a permanent
 * refusal (400/404/409/422 with a permanent code) ends the recording and deletes its spool.
 */
export class RecordingUploader {
  readonly #opts: Required<Omit<RecordingUploaderOptions, 'totals'>>;
  readonly #queue: Item[] = [];
  readonly #stop = new AbortController();
  /** What is safe (taken by the API or on disk), as progress.json says. */
  readonly #totals: Totals;
  #speechOnsets: SpeechOnsets | undefined;
  #startedAt: string | null;
  #failing = false;
  #running: Promise<void> | null = null;
  #outcome: UploadOutcome | null = null;
  #settled: Array<(outcome: UploadOutcome) => void> = [];

  constructor(options: RecordingUploaderOptions) {
    this.#opts = { maxBackoffMs: 5_000, ...options };
    this.#totals = options.totals ?? { startedAt: null, chunks: 0, durationMs: 0, bytes: 0 };
    this.#startedAt = this.#totals.startedAt;
  }

  /** Records the instant of the first sample (every chunk's `startedAt`). */
  start(startedAt: string | null): Promise<void> {
    this.#startedAt = startedAt;
    this.#totals.startedAt = startedAt;
    return this.#opts.spool.writeProgress(this.#totals);
  }

  /** A chunk that exists only in memory. */
  addChunk(chunk: { seq: number; durationMs: number; bytes: Uint8Array }): void {
    const item: ChunkItem = {
      kind: 'chunk',
      seq: chunk.seq,
      durationMs: chunk.durationMs,
      size: chunk.bytes.length,
      bytes: chunk.bytes,
      spooled: false,
    };
    if (this.#failing) void this.#spoolItem(item);
    this.#push(item);
  }

  /** A chunk already in the spool (a replay). */
  addSpooledChunk(chunk: SpooledChunk): void {
    this.#push({ kind: 'chunk', ...chunk, bytes: null, spooled: true });
  }

  /** The finish goes last, with the totals of everything before it (and, live, the speech onsets). */
  finish(speechOnsets?: SpeechOnsets): void {
    this.#speechOnsets = speechOnsets;
    this.#push({ kind: 'finish' });
  }

  /** Resolves when the queue is done: delivered, rejected or stopped. */
  settled(): Promise<UploadOutcome> {
    if (this.#outcome) return Promise.resolve(this.#outcome);
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** Writes every chunk still only in memory to the spool, so that stopping loses nothing. */
  async persist(): Promise<void> {
    await Promise.all(
      this.#queue
        .filter((item): item is ChunkItem => item.kind === 'chunk')
        .map((item) => this.#spoolItem(item)),
    );
  }

  /** Stops retrying; what is not delivered stays in the spool. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (this.#outcome) return;
    await this.#opts.spool.release();
    this.#settle('stopped');
  }

  #push(item: Item): void {
    // Audio still in the pipe when the API refused the recording goes nowhere.
    if (this.#outcome) return;
    this.#queue.push(item);
    this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#outcome) return;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      // An item pushed while the loop was returning would otherwise wait for the next one.
      if (this.#queue.length > 0 && !this.#stop.signal.aborted) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    for (let attempt = 1; this.#queue.length > 0 && !this.#stop.signal.aborted; ) {
      const item = this.#queue[0];
      if (!item) break;
      const outcome = await this.#send(item);
      if (this.#stop.signal.aborted) break;
      if (outcome.kind === 'ok') {
        this.#queue.shift();
        attempt = 1;
        this.#failing = false;
        await this.#delivered(item);
        continue;
      }
      if (outcome.kind === 'drop') {
        this.#opts.logger.error(
          {
            ...this.#describe(item),
            outcome: 'rejected',
            status: outcome.status,
            code: outcome.code,
            requestId: outcome.requestId,
          },
          'API refused the recording for good, stopping it',
        );
        this.#queue.length = 0;
        await this.#opts.spool.remove();
        this.#settle('rejected');
        return;
      }
      if (!this.#failing) {
        this.#failing = true;
        await this.persist();
      }
      const delay = Math.min(
        outcome.retryAfterMs ?? backoffDelay(attempt, 200, this.#opts.maxBackoffMs),
        this.#opts.maxBackoffMs,
      );
      this.#opts.logger.warn(
        {
          ...this.#describe(item),
          outcome: 'retry',
          attempt,
          status: outcome.status,
          detail: outcome.detail,
          delayMs: delay,
        },
        'API did not take the recording, retrying',
      );
      attempt++;
      await sleep(delay, this.#stop.signal);
    }
  }

  async #send(item: Item): Promise<SendOutcome> {
    const { api, callId } = this.#opts;
    const signal = this.#stop.signal;
    if (item.kind === 'finish') return postFinish(api, callId, this.#finishBody(), signal);
    const startedAt = this.#startedAt;
    if (startedAt === null) {
      // A chunk exists only once audio did; a spool without its start cannot be uploaded.
      return { kind: 'drop', status: 0, code: 'no_start', field: null, requestId: null };
    }
    let bytes = item.bytes;
    if (!bytes) {
      try {
        bytes = await this.#opts.spool.readChunk(item);
      } catch {
        return { kind: 'drop', status: 0, code: 'spool_unreadable', field: null, requestId: null };
      }
    }
    return putChunk(api, callId, { seq: item.seq, startedAt, durationMs: item.durationMs, bytes }, signal);
  }

  async #delivered(item: Item): Promise<void> {
    if (item.kind === 'finish') {
      this.#opts.logger.info({ ...this.#describe(item), outcome: 'finished' }, 'recording finished');
      await this.#opts.spool.remove();
      this.#settle('delivered');
      return;
    }
    this.#opts.logger.info({ ...this.#describe(item), outcome: 'uploaded' }, 'recording chunk uploaded');
    if (item.spooled) await this.#opts.spool.deleteChunk(item);
    await this.#safe(item);
  }

  async #spoolItem(item: ChunkItem): Promise<void> {
    if (item.spooled || !item.bytes) return;
    const bytes = item.bytes;
    item.spooled = true;
    const written = await this.#opts.spool.writeChunk({ ...item, bytes });
    if (!written) {
      item.spooled = false;
      return;
    }
    // Still queued (not taken meanwhile): it waits on disk, not in memory.
    if (this.#queue.includes(item)) item.bytes = null;
    this.#opts.logger.info({ ...this.#describe(item), outcome: 'spooled' }, 'recording chunk spooled');
    await this.#safe(item);
  }

  /** A chunk is safe once taken or on disk: progress.json, and so a finish after a crash, counts it. */
  async #safe(item: ChunkItem): Promise<void> {
    if (item.seq < this.#totals.chunks) return;
    this.#totals.chunks = item.seq + 1;
    this.#totals.durationMs = item.durationMs;
    this.#totals.bytes += item.size;
    await this.#opts.spool.writeProgress(this.#totals);
  }

  #finishBody(): RecordingFinish {
    const { startedAt, chunks, durationMs, bytes } = this.#totals;
    return {
      startedAt,
      chunks,
      durationMs,
      bytes,
      ...(this.#speechOnsets ? { speechOnsets: this.#speechOnsets } : {}),
    };
  }

  #describe(item: Item): Record<string, unknown> {
    const base = { callId: this.#opts.callId };
    if (item.kind === 'finish') {
      const { speechOnsets: _onsets, ...totals } = this.#finishBody();
      return { ...base, ...totals };
    }
    return { ...base, seq: item.seq, bytes: item.size, durationMs: item.durationMs };
  }

  #settle(outcome: UploadOutcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    for (const resolve of this.#settled.splice(0)) resolve(outcome);
  }
}
