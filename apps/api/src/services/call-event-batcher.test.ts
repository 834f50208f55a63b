import { callEvents, type Db, voiceCalls } from '@voicedesk/db';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteApp, startRouteApp } from '../testing/route-app.ts';
import { CallEventBatcher } from './call-event-batcher.ts';
import type { CallEventRecord } from './call-lifecycle.ts';

let t: RouteApp;
beforeAll(async () => {
  t = await startRouteApp('call_event_batcher');
});
afterAll(async () => {
  await t?.close();
});

/** The database handle, counting the transactions begun through it. */
function countingTransactions(db: Db): { db: Db; transactions: () => number } {
  let n = 0;
  const counted = new Proxy(db, {
    get(target, prop) {
      if (prop !== 'transaction') return Reflect.get(target, prop, target);
      return (...args: Parameters<Db['transaction']>) => {
        n++;
        return target.transaction(...args);
      };
    },
  });
  return { db: counted, transactions: () => n };
}

function roomStarted(callId: string, createdAt = new Date()): CallEventRecord {
  return {
    input: {
      eventId: `EV_started_${callId}`,
      type: 'room_started',
      source: 'livekit',
      roomName: `call-${callId}`,
      createdAt,
      lifecycle: { type: 'room_started', at: Date.now() },
      payload: {},
    },
    options: { now: new Date(), settleGraceSeconds: 30 },
  };
}

describe('CallEventBatcher', () => {
  it('records events that arrive together in a few shared transactions, each answered with its own call', async () => {
    const callIds = await Promise.all(Array.from({ length: 20 }, () => t.insertCall()));
    const { db, transactions } = countingTransactions(t.database.db);
    const batcher = new CallEventBatcher(db, { maxInFlight: 2, maxBatch: 50 });

    const outcomes = await Promise.all(callIds.map((id) => batcher.record(roomStarted(id))));

    expect(outcomes.map((o) => o.callId)).toEqual(callIds);
    expect(outcomes.every((o) => !o.duplicate && o.projection !== undefined)).toBe(true);
    // Two start at once, alone; the other eighteen wait and share the next transaction.
    expect(transactions()).toBe(3);
    const stored = await t.database.db
      .select({ callId: callEvents.callId })
      .from(callEvents)
      .where(inArray(callEvents.callId, callIds));
    expect(stored).toHaveLength(20);
  });

  it('fails only the bad event of a shared transaction: the others are recorded again, one by one', async () => {
    const callIds = await Promise.all(Array.from({ length: 6 }, () => t.insertCall()));
    const batcher = new CallEventBatcher(t.database.db, { maxInFlight: 1, maxBatch: 50 });
    const badCall = callIds[3] as string;

    // The first goes alone; the other five wait and share a transaction, which the bad one fails.
    const settled = await Promise.allSettled(
      callIds.map((id) =>
        batcher.record(roomStarted(id, id === badCall ? new Date(Number.NaN) : new Date())),
      ),
    );

    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const stored = await t.database.db
      .select({ callId: callEvents.callId })
      .from(callEvents)
      .where(inArray(callEvents.callId, callIds));
    expect(stored.map((s) => s.callId).sort()).toEqual(callIds.filter((id) => id !== badCall).sort());
    const rows = await t.database.db
      .select({ id: voiceCalls.id, startedAt: voiceCalls.startedAt })
      .from(voiceCalls)
      .where(inArray(voiceCalls.id, callIds));
    expect(
      rows
        .filter((r) => r.startedAt !== null)
        .map((r) => r.id)
        .sort(),
    ).toEqual(callIds.filter((id) => id !== badCall).sort());
  });

  it('takes at most maxBatch events into one transaction', async () => {
    const callIds = await Promise.all(Array.from({ length: 7 }, () => t.insertCall()));
    const { db, transactions } = countingTransactions(t.database.db);
    const batcher = new CallEventBatcher(db, { maxInFlight: 1, maxBatch: 3 });

    await Promise.all(callIds.map((id) => batcher.record(roomStarted(id))));

    // One alone, then the six that waited in two transactions of three.
    expect(transactions()).toBe(3);
  });
});
