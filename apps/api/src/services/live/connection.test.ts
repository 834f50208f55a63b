import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatEvent, LiveConnection } from './connection.ts';
import type { LiveEvent } from './hub.ts';

const event = (n: number): LiveEvent => ({
  type: 'segment',
  id: String(1_000 + n),
  siteId: 'site-1',
  data: JSON.stringify({ callId: 'c1', segment: { text: `line ${n}` } }),
});

/** A client that reads everything at once. */
const fastWriter = () => {
  const written: string[] = [];
  return { written, write: async (chunk: string) => void written.push(chunk) };
};

/** A client whose link has stalled: the first write never completes. */
const stalledWriter = () => {
  const written: string[] = [];
  const write = (chunk: string) => {
    written.push(chunk);
    return new Promise<void>(() => {});
  };
  return { written, write };
};

const open: LiveConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  vi.useRealTimers();
});

function connect(
  writer: { write(chunk: string): Promise<unknown> },
  over: { maxQueued?: number; heartbeatMs?: number } = {},
) {
  const onOverflow = vi.fn();
  const connection = new LiveConnection(writer, {
    heartbeatMs: over.heartbeatMs ?? 60_000,
    maxQueued: over.maxQueued ?? 10,
    onOverflow,
  });
  open.push(connection);
  return { connection, onOverflow };
}

describe('LiveConnection', () => {
  it('writes events in order as server-sent events', async () => {
    const writer = fastWriter();
    const { connection } = connect(writer);
    for (let n = 0; n < 3; n++) connection.push(event(n));
    await vi.waitFor(() => expect(writer.written).toHaveLength(3));
    expect(writer.written[0]).toBe(
      `event: segment\nid: 1000\ndata: {"callId":"c1","segment":{"text":"line 0"}}\n\n`,
    );
    expect(writer.written.map((w) => w.match(/line \d/)?.[0])).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('a stalled client holds up nobody else, and is dropped once too far behind', async () => {
    const slow = stalledWriter();
    const fast = fastWriter();
    const stalled = connect(slow, { maxQueued: 5 });
    const healthy = connect(fast, { maxQueued: 5 });
    // The hub hands each event to every connection in turn; pushing never waits on a client.
    for (let n = 0; n < 20; n++) {
      stalled.connection.push(event(n));
      healthy.connection.push(event(n));
      await Promise.resolve();
    }
    await vi.waitFor(() => expect(fast.written).toHaveLength(20));
    expect(slow.written).toHaveLength(1);
    expect(stalled.onOverflow).toHaveBeenCalledTimes(1);
    expect(healthy.onOverflow).not.toHaveBeenCalled();
  });

  it('sends a heartbeat comment only while the line is idle', async () => {
    vi.useFakeTimers();
    const writer = fastWriter();
    connect(writer, { heartbeatMs: 1_000 });
    await vi.advanceTimersByTimeAsync(3_100);
    expect(writer.written).toEqual([': heartbeat\n\n', ': heartbeat\n\n', ': heartbeat\n\n']);

    const slow = stalledWriter();
    const { connection } = connect(slow, { heartbeatMs: 1_000 });
    connection.push(event(1));
    await vi.advanceTimersByTimeAsync(3_100);
    // Busy writing an event: a heartbeat would only queue behind it.
    expect(slow.written).toEqual([formatEvent(event(1))]);
  });

  it('writes nothing more once closed', async () => {
    const writer = fastWriter();
    const { connection } = connect(writer);
    connection.close();
    connection.push(event(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(writer.written).toEqual([]);
  });
});
