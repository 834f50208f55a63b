import { randomUUID } from 'node:crypto';
import {
  type AgentEndCall,
  type Metric,
  metricSchema,
  type Segment,
  segmentSchema,
  type WitnessEvent,
  witnessEventSchema,
} from '@voicedesk/core';
import { type InternalApi, sendInternal } from './api-client.ts';
import { backoffDelay, sleep } from './backoff.ts';
import type { AgentLogger } from './logger.ts';
import { isValidBody, type SpoolBody, type SpooledBatch, SpoolFile, type SpoolRoute } from './spool.ts';

export interface ReporterOptions extends InternalApi {
  callId: string;
  spoolDir: string;
  logger: AgentLogger;
  flushIntervalMs?: number;
  maxBatchItems?: number;
  maxBackoffMs?: number;
}

type Item = { segments: Segment; metrics: Metric; witness: WitnessEvent };
type LaneRoute = keyof Item;

/** The array's name in each route's batch body (the contracts in @voicedesk/core). */
const BODY_KEYS = { segments: 'segments', metrics: 'metrics', witness: 'events' } as const satisfies Record<
  LaneRoute,
  string
>;

/**
 * One lane per route so a batch the API keeps refusing on one route (retried until accepted)
 * never holds the others back. Within a lane batches go out strictly one after another, which
 * keeps segments in seq order and a participant's join before its leave on the wire.
 */
class Lane<R extends LaneRoute> {
  pending: Item[R][] = [];
  queue: Spooled[] = [];
  running: Promise<void> | null = null;
  idle: Array<() => void> = [];

  constructor(readonly route: R) {}
}

const empty = (): Promise<void> => Promise.resolve();

/** A batch and the write that puts it in the spool, which its first send waits for. */
interface Spooled {
  batch: SpooledBatch;
  written: Promise<void>;
}

/**
 * Sends a call's transcript segments, metrics and what it witnessed in the room to the API:
 * batched (every ~300 ms or 20 items), retried with capped exponential backoff until the API
 * accepts them (whatever it answered meanwhile, 401 in a key rotation included) or rejects them
 * for good, and written ahead to a spool file so a crash, an API outage or the job's end loses
 * nothing (the worker replays leftovers).
 */
export class Reporter {
  readonly #opts: Required<Omit<ReporterOptions, 'fetchImpl' | 'timeoutMs'>> & InternalApi;
  readonly #spool: SpoolFile;
  readonly #segments = new Lane('segments');
  readonly #metrics = new Lane('metrics');
  readonly #witness = new Lane('witness');
  readonly #lanes = [this.#segments, this.#metrics, this.#witness] as const;
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #unsettled = 0;
  #endSent: Promise<boolean> | null = null;

  constructor(options: ReporterOptions) {
    this.#opts = { flushIntervalMs: 300, maxBatchItems: 20, maxBackoffMs: 5_000, ...options };
    this.#spool = SpoolFile.create(options.spoolDir, options.callId, options.logger);
  }

  get spoolPath(): string {
    return this.#spool.path;
  }

  /** Work the API has not settled yet: batches in flight plus items not yet batched. */
  get unsettled(): number {
    return this.#lanes.reduce((sum, lane) => sum + lane.pending.length, this.#unsettled);
  }

  addSegment(segment: Segment): void {
    const parsed = segmentSchema.safeParse(segment);
    if (
      this.#accept('segments', parsed.success ? null : parsed.error.issues, segment.seq) &&
      parsed.success
    ) {
      this.#push(this.#segments, parsed.data);
    }
  }

  addMetric(metric: Metric): void {
    const parsed = metricSchema.safeParse(metric);
    if (this.#accept('metrics', parsed.success ? null : parsed.error.issues, metric.turn) && parsed.success) {
      this.#push(this.#metrics, parsed.data);
    }
  }

  /** A participant joining or leaving, as the agent saw it (see room-witness.ts). */
  addWitness(event: WitnessEvent): void {
    const parsed = witnessEventSchema.safeParse(event);
    if (this.#accept('witness', parsed.success ? null : parsed.error.issues, event.sid) && parsed.success) {
      this.#push(this.#witness, parsed.data);
    }
  }

  #accept(route: SpoolRoute, issues: { path: PropertyKey[] }[] | null, ref: number | string): boolean {
    if (this.#closed) {
      this.#opts.logger.error(
        { callId: this.#opts.callId, route, ref },
        'item added after close, dropping it',
      );
      return false;
    }
    if (issues) {
      // Our own bug, not the visitor's: log where the item is wrong, never its text.
      const paths = issues.map((issue) => issue.path.map(String).join('.'));
      this.#opts.logger.error(
        { callId: this.#opts.callId, route, ref, paths },
        'dropping item that fails the contract',
      );
      return false;
    }
    return true;
  }

  #push<R extends LaneRoute>(lane: Lane<R>, item: Item[R]): void {
    lane.pending.push(item);
    if (lane.pending.length >= this.#opts.maxBatchItems) this.#cut(lane);
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      for (const lane of this.#lanes) this.#cut(lane);
    }, this.#opts.flushIntervalMs);
  }

  #cut<R extends LaneRoute>(lane: Lane<R>): void {
    while (lane.pending.length > 0) {
      const items = lane.pending.splice(0, this.#opts.maxBatchItems);
      const body = { [BODY_KEYS[lane.route]]: items } as unknown as SpoolBody;
      this.#enqueue(lane, body);
    }
  }

  #enqueue(lane: Lane<LaneRoute>, body: SpoolBody): void {
    const spooled = this.#spoolBatch(lane.route, body);
    if (!spooled) return;
    lane.queue.push(spooled);
    this.#unsettled++;
    lane.running ??= this.#drain(lane).finally(() => {
      lane.running = null;
      for (const resolve of lane.idle.splice(0)) resolve();
    });
  }

  #spoolBatch(route: SpoolRoute, body: SpoolBody): Spooled | null {
    if (!isValidBody(route, body)) {
      this.#opts.logger.error({ callId: this.#opts.callId, route }, 'dropping batch that fails the contract');
      return null;
    }
    const batch: SpooledBatch = {
      v: 1,
      type: 'batch',
      id: randomUUID(),
      callId: this.#opts.callId,
      route,
      body,
    };
    return { batch, written: this.#spool.append(batch) };
  }

  async #drain(lane: Lane<LaneRoute>): Promise<void> {
    while (lane.queue.length > 0 && !this.#stop.signal.aborted) {
      const spooled = lane.queue[0];
      if (!spooled) break;
      const delivered = await this.#deliver(spooled);
      if (!delivered) break; // stopped while retrying: the batch stays in the spool
      lane.queue.shift();
      this.#unsettled--;
    }
  }

  /** Retries until the API accepts or rejects for good; false only when stopped first. */
  async #deliver({ batch, written }: Spooled, signal: AbortSignal = this.#stop.signal): Promise<boolean> {
    await written;
    for (let attempt = 1; !signal.aborted; attempt++) {
      const outcome = await sendInternal(this.#opts, batch.callId, batch.route, batch.body, signal);
      if (outcome.kind === 'ok') {
        void this.#spool.markDone(batch.id, 'acked');
        return true;
      }
      const base = { callId: batch.callId, route: batch.route, items: itemCount(batch.body) };
      if (outcome.kind === 'drop') {
        this.#opts.logger.error(
          {
            ...base,
            status: outcome.status,
            code: outcome.code,
            field: outcome.field,
            requestId: outcome.requestId,
          },
          'API rejected a batch for good, dropping it',
        );
        void this.#spool.markDone(batch.id, 'dropped');
        return true;
      }
      const delay = Math.min(
        outcome.retryAfterMs ?? backoffDelay(attempt, 200, this.#opts.maxBackoffMs),
        this.#opts.maxBackoffMs,
      );
      this.#opts.logger.warn(
        { ...base, attempt, status: outcome.status, detail: outcome.detail, delayMs: delay },
        'API did not take a batch, retrying',
      );
      await sleep(delay, signal);
    }
    return false;
  }

  /** Sends everything added so far and resolves once the API has settled all of it. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    for (const lane of this.#lanes) this.#cut(lane);
    await Promise.all(this.#lanes.map((lane) => this.#whenIdle(lane)));
  }

  #whenIdle(lane: Lane<LaneRoute>): Promise<void> {
    if (!lane.running) return empty();
    return new Promise((resolve) => lane.idle.push(resolve));
  }

  /**
   * Tells the API why the call ended, after the transcript so far is in (the API assembles it
   * when the room closes). Bounded: resolves false if the API did not acknowledge in time, and
   * the request then stays in the spool for the worker to replay.
   */
  endCall(reason: AgentEndCall['reason'], timeoutMs = 10_000): Promise<boolean> {
    this.#endSent ??= this.#sendEnd(reason, timeoutMs);
    return this.#endSent;
  }

  async #sendEnd(reason: AgentEndCall['reason'], timeoutMs: number): Promise<boolean> {
    const deadline = AbortSignal.timeout(timeoutMs);
    await Promise.race([this.flush(), sleep(timeoutMs * 0.6, deadline)]);
    const spooled = this.#spoolBatch('end', { reason });
    if (!spooled) return false;
    const signal = AbortSignal.any([deadline, this.#stop.signal]);
    const delivered = await this.#deliver(spooled, signal);
    if (!delivered) {
      this.#opts.logger.error(
        { callId: this.#opts.callId, reason },
        'API did not acknowledge the call end in time',
      );
    }
    return delivered;
  }

  /**
   * Final flush, bounded by `timeoutMs` so a dead API cannot hold the job open. Whatever is
   * still unacknowledged afterwards stays in the spool file; otherwise the file is deleted.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.#closed) return;
    const flushed = this.flush();
    this.#closed = true;
    const timer = new AbortController();
    await Promise.race([flushed, sleep(timeoutMs, timer.signal)]);
    timer.abort();
    // The API deletes the room before it answers the end request, so the job is usually
    // already shutting down while that answer is on its way: let it land (endCall is bounded).
    const endPending = this.#endSent ? !(await this.#endSent) : false;
    this.#stop.abort();
    await Promise.all(this.#lanes.map((lane) => lane.running));
    if (this.#unsettled === 0 && !endPending) {
      await this.#spool.remove();
      return;
    }
    await this.#spool.release();
    this.#opts.logger.warn(
      { callId: this.#opts.callId, batches: this.#unsettled, endPending },
      'API unreachable at job end, batches left in the spool for replay',
    );
  }
}

function itemCount(body: SpoolBody): number {
  if ('segments' in body) return body.segments.length;
  if ('metrics' in body) return body.metrics.length;
  if ('events' in body) return body.events.length;
  return 1;
}
