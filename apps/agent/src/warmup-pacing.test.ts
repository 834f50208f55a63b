import { describe, expect, it } from 'vitest';
import { holdWarmup, type PoolClass, paceWarmups, type WarmPool } from './warmup-pacing.ts';

function pool(warm: number): WarmPool & { warmedProcQueue: { items: unknown[] } } {
  return { closed: false, warmedProcQueue: { items: Array.from({ length: warm }, (_, i) => i) } };
}

/** Settles with how long `promise` took, or 'pending' if it had not settled by `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<number | 'pending'> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  const done = promise.then(() => Date.now() - started);
  return Promise.race([done, late]).finally(() => clearTimeout(timer));
}

describe('holding a replacement job process while a call sets up', () => {
  it('waits the hold while warm processes are waiting for calls', async () => {
    const held = holdWarmup(pool(1), 300);
    expect(await within(held, 150)).toBe('pending');
    expect(await within(held, 5_000)).not.toBe('pending');
  });

  it('starts at once when no warm process is left, so the next call does not wait for one', async () => {
    expect(await within(holdWarmup(pool(0), 10_000), 1_000)).not.toBe('pending');
  });

  it('stops holding as soon as the last warm process is taken, or the pool closes', async () => {
    const taken = pool(1);
    const held = holdWarmup(taken, 10_000);
    expect(await within(held, 100)).toBe('pending');
    taken.warmedProcQueue.items.length = 0;
    expect(await within(held, 1_000)).not.toBe('pending');

    const closing = pool(2);
    const heldToo = holdWarmup(closing, 10_000);
    closing.closed = true;
    expect(await within(heldToo, 1_000)).not.toBe('pending');
  });
});

describe("pacing the framework's pool", () => {
  it('finds what it relies on in the pinned @livekit/agents', () => {
    // Patches the real pool for this test process; nothing here starts it.
    expect(paceWarmups(1_000)).toBe('paced');
    expect(paceWarmups(1_000)).toBe('paced');
  });

  it('holds each start of a process, then starts it', async () => {
    const started: string[] = [];
    class Pool {
      closed = false;
      warmedProcQueue = { items: ['warm'] };
      async procWatchTask(slot: string) {
        started.push(slot);
      }
    }
    expect(paceWarmups(300, Pool as unknown as PoolClass)).toBe('paced');
    const start = (new Pool().procWatchTask as (slot: string) => Promise<void>)('slot 1');
    expect(await within(start, 150)).toBe('pending');
    expect(started).toEqual([]);
    await start;
    expect(started).toEqual(['slot 1']);
  });

  it('leaves a pool it does not recognise as it is, and is off at 0', () => {
    class Other {
      procWatchTask() {}
    }
    expect(paceWarmups(1_000, Other as unknown as PoolClass)).toBe('unavailable');
    expect(paceWarmups(0)).toBe('off');
  });
});
