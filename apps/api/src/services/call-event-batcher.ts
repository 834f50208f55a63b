import type { Db } from '@voicedesk/db';
import {
  type CallEventOutcome,
  type CallEventRecord,
  recordCallEvent,
  recordCallEvents,
} from './call-lifecycle.ts';

export interface CallEventBatcherOptions {
  /** Transactions of events at once; the rest of the pool stays free for every other route. */
  maxInFlight: number;
  /** Events in one transaction at most. */
  maxBatch: number;
}

const DEFAULTS: CallEventBatcherOptions = { maxInFlight: 2, maxBatch: 50 };

interface Waiting {
  record: CallEventRecord;
  resolve(outcome: CallEventOutcome): void;
  reject(err: unknown): void;
}

/**
 * Group commit for the call event log. An event that arrives while `maxInFlight` transactions
 * are already recording waits for the next one, which takes every event that waited: a lone
 * event is recorded at once, as alone, and a burst of webhooks shares a few transactions instead
 * of costing five round trips and a commit each. If a shared transaction fails, its events are
 * recorded again one by one, so one bad event fails only its own request.
 */
export class CallEventBatcher {
  readonly #db: Db;
  readonly #options: CallEventBatcherOptions;
  #waiting: Waiting[] = [];
  #inFlight = 0;

  constructor(db: Db, options: Partial<CallEventBatcherOptions> = {}) {
    this.#db = db;
    this.#options = { ...DEFAULTS, ...options };
  }

  record(record: CallEventRecord): Promise<CallEventOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ record, resolve, reject });
      this.#start();
    });
  }

  #start(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#options.maxBatch);
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#start();
      });
    }
  }

  async #run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await recordCallEvents(
        this.#db,
        batch.map((w) => w.record),
      );
      batch.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome) w.resolve(outcome);
        else w.reject(new Error('the batch answered no outcome for this event'));
      });
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      await Promise.all(
        batch.map((w) =>
          recordCallEvent(this.#db, w.record.input, w.record.options).then(w.resolve, w.reject),
        ),
      );
    }
  }
}

const batchers = new WeakMap<Db, CallEventBatcher>();

/** One batcher per database handle: the batch is a property of the pool it commits through. */
export function callEventBatcherFor(db: Db): CallEventBatcher {
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = new CallEventBatcher(db);
    batchers.set(db, batcher);
  }
  return batcher;
}
