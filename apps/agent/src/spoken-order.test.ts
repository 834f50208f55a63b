import { describe, expect, it } from 'vitest';
import { SpokenOrder } from './spoken-order.ts';

const T0 = 1_800_000_000_000;
const seqs = (segments: { seq: number; text: string }[]) => segments.map((s) => `${s.seq}:${s.text}`);

describe('SpokenOrder', () => {
  it('numbers a transcript that arrives after the reply in spoken order', () => {
    const order = new SpokenOrder();
    order.speechStarted('visitor', T0);
    order.speechEnded('visitor', T0 + 2000);
    order.speechStarted('ai', T0 + 2600);
    order.speechEnded('ai', T0 + 4000);
    // The reply is committed first...
    order.add({
      speaker: 'ai',
      text: 'We open at nine.',
      at: T0 + 4000,
      startedAt: T0 + 2600,
      source: 'realtime',
    });
    expect(order.release(T0 + 4100)).toEqual([]); // ...but the visitor's words are still owed
    order.add({ speaker: 'visitor', text: 'When do you open?', at: T0 + 4200, source: 'realtime' });
    const released = order.release(T0 + 4300);
    expect(seqs(released)).toEqual(['0:When do you open?', '1:We open at nine.']);
    expect(released[0]).toMatchObject({
      speaker: 'visitor',
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 2000).toISOString(),
    });
  });

  it('numbers from the block the API gave this assistant job', () => {
    const order = new SpokenOrder({ firstSeq: 2_000_000 });
    order.add({ speaker: 'visitor', text: 'Are you still there?', at: T0, source: 'realtime' });
    order.add({ speaker: 'ai', text: 'Yes, sorry.', at: T0 + 10, startedAt: T0 + 5, source: 'realtime' });
    expect(seqs(order.release(T0 + 100))).toEqual(['2000000:Are you still there?', '2000001:Yes, sorry.']);
  });

  it("places staff lines among the visitor's by when they were spoken, each speaker held for its own text", () => {
    const order = new SpokenOrder();
    const staff = 'staff:0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b' as const;
    order.speechStarted(staff, T0);
    order.speechEnded(staff, T0 + 1500);
    order.speechStarted('visitor', T0 + 2000);
    order.speechEnded('visitor', T0 + 3000);
    order.add({ speaker: 'visitor', text: 'My order is late.', at: T0 + 3200, source: 'stt' });
    expect(order.release(T0 + 3300)).toEqual([]); // the staff member's words are still owed
    order.add({ speaker: staff, text: 'Hello, this is Ana.', at: T0 + 3400, source: 'stt' });
    const released = order.release(T0 + 3500);
    expect(released.map((s) => [s.seq, s.speaker, s.text])).toEqual([
      [0, staff, 'Hello, this is Ana.'],
      [1, 'visitor', 'My order is late.'],
    ]);
  });

  it('puts a barge-in after the reply it interrupted', () => {
    const order = new SpokenOrder();
    order.speechStarted('ai', T0);
    order.speechStarted('visitor', T0 + 1500);
    order.add({ speaker: 'visitor', text: 'Stop, wait.', at: T0 + 2500, source: 'realtime' });
    expect(order.release(T0 + 2600)).toEqual([]);
    order.speechEnded('ai', T0 + 1600);
    order.add({ speaker: 'ai', text: 'Our prices', at: T0 + 1700, startedAt: T0, source: 'realtime' });
    expect(seqs(order.release(T0 + 2700))).toEqual(['0:Our prices', '1:Stop, wait.']);
  });

  it('does not wait forever for speech whose text never comes', () => {
    const order = new SpokenOrder({ graceMs: { visitor: 1000, ai: 1000, staff: 1000 } });
    order.speechStarted('visitor', T0); // a cough: no transcript will arrive
    order.speechEnded('visitor', T0 + 300);
    order.add({ speaker: 'ai', text: 'Hello?', at: T0 + 900, startedAt: T0 + 500, source: 'realtime' });
    expect(order.release(T0 + 1000)).toEqual([]);
    expect(seqs(order.release(T0 + 1400))).toEqual(['0:Hello?']);
  });

  it('skips empty text but lets it close the open speech, and drains the rest at the end', () => {
    const order = new SpokenOrder();
    order.speechStarted('visitor', T0);
    order.add({ speaker: 'visitor', text: '   ', at: T0 + 100, source: 'stt' });
    order.add({ speaker: 'ai', text: 'Anything else?', at: T0 + 200, startedAt: T0 + 150, source: 'stt' });
    expect(seqs(order.release(T0 + 300))).toEqual(['0:Anything else?']);
    order.speechStarted('ai', T0 + 400);
    order.add({ speaker: 'visitor', text: 'No thanks', at: T0 + 900, startedAt: T0 + 500, source: 'stt' });
    expect(order.release(T0 + 1000)).toEqual([]);
    expect(seqs(order.drain())).toEqual(['1:No thanks']);
  });
});
