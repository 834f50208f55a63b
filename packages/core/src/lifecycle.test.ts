import { describe, expect, it } from 'vitest';
import type { EndReason } from './end-reasons.ts';
import { type CallProjection, type LifecycleEvent, projectCall } from './lifecycle.ts';
import type { LeaveCause } from './witness.ts';

/**
 * Clocks as they really are: LiveKit stamps webhooks in whole seconds (joins carry the
 * participant's millisecond join time), the API and the agent stamp in milliseconds, the
 * sweeper at sweep time. Logs are given in arrival order.
 */
const T0 = Date.parse('2026-11-24T10:00:00Z');
const sec = (s: number) => T0 + Math.floor(s) * 1000;
const ms = (s: number) => T0 + Math.round(s * 1000);

const visitor = { sid: 'PA_v', identity: 'visitor-1', kind: 'visitor' as const };
const visitorAgain = { sid: 'PA_v2', identity: 'visitor-1', kind: 'visitor' as const };
const assistant = { sid: 'PA_a', identity: 'agent-1', kind: 'ai' as const };
const assistant2 = { sid: 'PA_a2', identity: 'agent-2', kind: 'ai' as const };

type Who = { sid: string; identity: string; kind: 'visitor' | 'ai' };
const joined = (who: Who, atMs: number): LifecycleEvent => ({
  type: 'participant_joined',
  at: atMs,
  ...who,
});
/** A leave webhook: stamped in whole seconds. */
const left = (who: Who, s: number, joinedAt: number, cause: LeaveCause): LifecycleEvent => ({
  type: 'participant_left',
  at: sec(s),
  joinedAt,
  cause,
  ...who,
});
const ended = (s: number, reason: EndReason): LifecycleEvent => ({ type: 'call_ended', at: ms(s), reason });

/** Assistant joins at 0.4 s, visitor at 1.2 s: connected at 1.2 s. */
const connected: LifecycleEvent[] = [
  { type: 'room_started', at: sec(0) },
  joined(assistant, ms(0.4)),
  joined(visitor, ms(1.2)),
];

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('projectCall: the happy path', () => {
  const happy: LifecycleEvent[] = [
    ...connected,
    left(visitor, 31.4, ms(1.2), 'self'),
    left(assistant, 31.6, ms(0.4), 'room_closed'),
    { type: 'room_finished', at: sec(32) },
  ];

  it('turns a normal call into completed with talk time and both participants', () => {
    const p = projectCall(happy);
    expect(p).toMatchObject({
      status: 'completed',
      endReason: 'visitor_hung_up',
      connectedAt: ms(1.2),
      endedAt: sec(31),
      durationSeconds: 30,
      unsettled: false,
    });
    expect(p.participants.map((x) => [x.kind, x.joinedAt, x.leftAt])).toEqual([
      ['ai', ms(0.4), sec(31)],
      ['visitor', ms(1.2), sec(31)],
    ]);
  });

  it('converges to the same row whatever order the webhooks arrive in', () => {
    const expected = projectCall(happy);
    for (let seed = 1; seed <= 50; seed++) expect(projectCall(shuffled(happy, seed))).toEqual(expected);
  });

  it('is unaffected by duplicates', () => {
    expect(projectCall([...happy, ...happy])).toEqual(projectCall(happy));
  });
});

describe('projectCall: every end cause, with real clocks', () => {
  it('keeps the reason of an assistant end request over the room-closed leaves stamped earlier', () => {
    // The API stores the end at 20.700 s and deletes the room; LiveKit stamps the leaves 20 s.
    const p = projectCall([
      ...connected,
      ended(20.7, 'assistant_ended'),
      left(visitor, 20.9, ms(1.2), 'room_closed'),
      left(assistant, 20.9, ms(0.4), 'room_closed'),
      { type: 'room_finished', at: sec(21) },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'assistant_ended', endedAt: ms(20.7) });
  });

  for (const reason of ['max_duration', 'idle', 'visitor_lost', 'assistant_ended'] as const) {
    it(`stores ${reason} even when the leave webhooks arrive before the end request`, () => {
      const p = projectCall([
        ...connected,
        left(visitor, 9.8, ms(1.2), 'room_closed'),
        ended(9.5, reason),
        left(assistant, 9.8, ms(0.4), 'room_closed'),
      ]);
      expect(p).toMatchObject({ status: 'completed', endReason: reason, endedAt: ms(9.5) });
    });
  }

  it('keeps the visitor hang-up the API stored over a later assistant end of the same second', () => {
    const p = projectCall([...connected, ended(15.2, 'visitor_hung_up'), ended(15.6, 'assistant_ended')]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', endedAt: ms(15.2) });
  });

  it('takes the first cause to arrive when the assistant ends and the visitor leaves at once', () => {
    const visitorFirst = projectCall([
      ...connected,
      left(visitor, 12, ms(1.2), 'self'),
      ended(12.3, 'assistant_ended'),
    ]);
    expect(visitorFirst.endReason).toBe('visitor_hung_up');
    const assistantFirst = projectCall([
      ...connected,
      ended(12.3, 'assistant_ended'),
      left(visitor, 12, ms(1.2), 'self'),
    ]);
    expect(assistantFirst.endReason).toBe('assistant_ended');
  });

  it('fails the call when the assistant connection drops while the visitor is there', () => {
    const p = projectCall([
      ...connected,
      left(assistant, 11, ms(0.4), 'dropped'),
      left(visitor, 15, ms(1.2), 'self'),
    ]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', durationSeconds: 10 });
  });

  // Rule 7: a worker that died is not the end of the visitor's call; the sweeper sends another.
  it('waits for a new assistant when the assistant connection drops, and fails the call at the drop if none comes', () => {
    const dropped = [...connected, left(assistant, 11, ms(0.4), 'dropped')];
    expect(projectCall(dropped)).toMatchObject({
      status: 'connected',
      unsettled: true,
      endReason: undefined,
    });
    const p = projectCall([...dropped, { type: 'settle', at: ms(41) }]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: sec(11) });
  });

  it('carries on with the new assistant that joins after the assistant connection dropped', () => {
    const log: LifecycleEvent[] = [
      ...connected,
      left(assistant, 11, ms(0.4), 'dropped'),
      joined(assistant2, ms(13.6)),
      { type: 'settle', at: ms(41) },
    ];
    expect(projectCall(log)).toMatchObject({ status: 'connected', unsettled: false });
    const p = projectCall([...log, left(visitor, 60, ms(1.2), 'self')]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', durationSeconds: 59 });
  });

  it('fails the call at the drop when it ends another way before a new assistant joins', () => {
    for (const end of [ended(14.2, 'visitor_hung_up'), ended(14.4, 'max_duration')]) {
      const p = projectCall([...connected, left(assistant, 11, ms(0.4), 'dropped'), end]);
      expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: sec(11) });
    }
  });

  it('marks a call missed when no assistant joins in time', () => {
    const p = projectCall([joined(visitor, ms(0.5)), { type: 'assistant_join_timeout', at: ms(20.1) }]);
    expect(p).toMatchObject({
      status: 'missed',
      endReason: 'assistant_unavailable',
      durationSeconds: undefined,
    });
  });

  it('marks a call missed when the visitor never joins in the window', () => {
    const p = projectCall([joined(assistant, ms(0.3)), { type: 'join_window_expired', at: ms(30.2) }]);
    expect(p).toMatchObject({ status: 'missed', endReason: 'visitor_never_joined' });
  });

  it('ignores a join-window deadline once the visitor is in', () => {
    const p = projectCall([...connected, { type: 'join_window_expired', at: ms(30.2) }]);
    expect(p.status).toBe('connected');
  });

  it('records a visitor who hangs up through the widget before the assistant answered', () => {
    const p = projectCall([joined(visitor, ms(0.5)), ended(2.1, 'visitor_hung_up')]);
    expect(p).toMatchObject({ status: 'missed', endReason: 'visitor_hung_up', endedAt: ms(2.1) });
  });
});

describe('projectCall: decided once', () => {
  it('does not revive a missed call when a late join webhook arrives with an earlier time', () => {
    const p = projectCall([
      joined(visitor, ms(0.5)),
      { type: 'assistant_join_timeout', at: ms(20.1) },
      joined(assistant, ms(3)),
      left(visitor, 40, ms(0.5), 'self'),
    ]);
    expect(p).toMatchObject({ status: 'missed', endReason: 'assistant_unavailable', endedAt: ms(20.1) });
  });

  it('does not rewrite a hang-up as never-joined when a sweep event lands after it', () => {
    const p = projectCall([
      ...connected,
      left(visitor, 20, ms(1.2), 'self'),
      { type: 'join_window_expired', at: ms(30.1) },
      { type: 'settle', at: ms(60) },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', endedAt: sec(20) });
  });

  it('still closes participant spans from events that arrive after the end', () => {
    const p = projectCall([
      ...connected,
      ended(10.2, 'visitor_hung_up'),
      left(assistant, 10.5, ms(0.4), 'room_closed'),
      left(visitor, 10.5, ms(1.2), 'room_closed'),
    ]);
    expect(p.participants.every((x) => x.leftAt === sec(10))).toBe(true);
    expect(p.endedAt).toBe(ms(10.2));
  });
});

describe('projectCall: reconnects', () => {
  it('keeps the call going when a full reconnect replaces the visitor session', () => {
    const p = projectCall([
      ...connected,
      joined(visitorAgain, ms(14.3)),
      left(visitor, 14.3, ms(1.2), 'replaced'),
    ]);
    expect(p).toMatchObject({ status: 'connected', unsettled: false, endReason: undefined });
  });

  it('keeps the call going when the old session is reported dropped before the rejoin arrives', () => {
    const p = projectCall([
      ...connected,
      left(visitor, 14, ms(1.2), 'dropped'),
      joined(visitorAgain, ms(16.5)),
      left(visitorAgain, 40, ms(16.5), 'self'),
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', endedAt: sec(40) });
  });

  it('leaves a dropped visitor unsettled, and settles to visitor_lost at the drop', () => {
    const dropped = [...connected, left(visitor, 14, ms(1.2), 'dropped')];
    expect(projectCall(dropped)).toMatchObject({ status: 'connected', unsettled: true });
    const p = projectCall([...dropped, { type: 'settle', at: ms(60) }]);
    expect(p).toMatchObject({
      status: 'completed',
      endReason: 'visitor_lost',
      endedAt: sec(14),
      durationSeconds: 13,
    });
  });

  it('lets the assistant report visitor_lost after its reconnect grace', () => {
    const p = projectCall([...connected, left(visitor, 14, ms(1.2), 'dropped'), ended(34.1, 'visitor_lost')]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_lost' });
  });

  it('carries on when a second assistant takes over after the first one left cleanly', () => {
    const p = projectCall([
      ...connected,
      left(assistant, 30, ms(0.4), 'room_closed'),
      joined(assistant2, ms(31.5)),
      { type: 'settle', at: ms(61) },
    ]);
    expect(p).toMatchObject({ status: 'connected', unsettled: false });
  });
});

describe('projectCall: the LiveKit node holding the room dies', () => {
  // The node dies at ~20 s; at 24 s a reconnecting participant re-creates the room on a live
  // node (a second room_started); no leave ever comes for the sessions the dead node held.
  const restarted: LifecycleEvent[] = [...connected, { type: 'room_started', at: sec(24) }];
  const assistantAgain = { sid: 'PA_a3', identity: 'agent-1', kind: 'ai' as const };

  it('keeps the call going when visitor and assistant rejoin, and ends it on the hang-up', () => {
    const log = [
      ...restarted,
      joined(assistantAgain, ms(24.3)),
      joined(visitorAgain, ms(24.4)),
      { type: 'settle', at: ms(40) } as const,
    ];
    expect(projectCall(log)).toMatchObject({ status: 'connected', unsettled: false });
    const p = projectCall([...log, left(visitorAgain, 61, ms(24.4), 'self')]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', durationSeconds: 60 });
  });

  it('carries on with a second assistant when the first one does not come back', () => {
    const p = projectCall([
      ...restarted,
      joined(visitorAgain, ms(24.4)),
      joined(assistant2, ms(25.1)),
      { type: 'settle', at: ms(40) },
    ]);
    expect(p).toMatchObject({ status: 'connected', unsettled: false });
  });

  it('settles to visitor_lost at the restart when the visitor does not come back', () => {
    const log = [...restarted, joined(assistantAgain, ms(24.3))];
    expect(projectCall(log)).toMatchObject({ status: 'connected', unsettled: true });
    const p = projectCall([...log, { type: 'settle', at: ms(30) }]);
    expect(p).toMatchObject({
      status: 'completed',
      endReason: 'visitor_lost',
      endedAt: sec(24),
      durationSeconds: 23,
    });
  });

  it('settles to assistant_lost when only the visitor comes back', () => {
    const p = projectCall([...restarted, joined(visitorAgain, ms(24.4)), { type: 'settle', at: ms(30) }]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: sec(24) });
  });

  it('closes the spans of the sessions the dead node held at the restart', () => {
    const p = projectCall([...restarted, joined(visitorAgain, ms(24.4))]);
    expect(p.participants.map((s) => [s.sid, s.leftAt])).toEqual([
      ['PA_a', sec(24)],
      ['PA_v', sec(24)],
      ['PA_v2', undefined],
    ]);
  });

  it('is the same whatever order the webhooks arrive in', () => {
    const log = [...restarted, joined(assistantAgain, ms(24.3)), joined(visitorAgain, ms(24.4))];
    const end = left(visitorAgain, 61, ms(24.4), 'self');
    const want = projectCall([...log, end]);
    for (let seed = 1; seed < 20; seed++) expect(projectCall([...shuffled(log, seed), end])).toEqual(want);
  });
});

describe('projectCall: rooms that end with no cause in the log', () => {
  it('waits for a cause when the room is lost, and settles to media_lost at the loss', () => {
    const lost = [...connected, { type: 'room_lost', at: ms(61) } as const];
    expect(projectCall(lost)).toMatchObject({ status: 'connected', unsettled: true });
    const p = projectCall([...lost, { type: 'settle', at: ms(91) }]);
    expect(p).toMatchObject({
      status: 'failed',
      endReason: 'media_lost',
      endedAt: ms(61),
      durationSeconds: 60,
    });
  });

  it('takes the agent’s late report over a lost room if it arrives within the grace', () => {
    // API outage: no webhooks; the sweeper sees the room gone, then the agent's spool replays.
    const p = projectCall([
      { type: 'room_lost', at: ms(200) },
      joined(assistant, ms(0.4)),
      joined(visitor, ms(1.2)),
      { type: 'participant_left', at: ms(31.4), joinedAt: ms(1.2), cause: 'self', ...visitor },
      { type: 'settle', at: ms(230) },
    ]);
    expect(p).toMatchObject({
      status: 'completed',
      endReason: 'visitor_hung_up',
      endedAt: ms(31.4),
      durationSeconds: 30,
    });
  });

  it('settles a finished room with the visitor gone as room_closed', () => {
    const p = projectCall([
      ...connected,
      left(visitor, 20, ms(1.2), 'room_closed'),
      left(assistant, 20, ms(0.4), 'room_closed'),
      { type: 'room_finished', at: sec(20) },
      { type: 'settle', at: ms(50) },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'room_closed', endedAt: sec(20) });
  });

  it('settles an assistant that left without saying why as assistant_lost', () => {
    const p = projectCall([
      ...connected,
      left(assistant, 12, ms(0.4), 'self'),
      { type: 'settle', at: ms(42) },
    ]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: sec(12) });
  });

  it('settles a pending call whose room vanished as never joined', () => {
    const p = projectCall([
      { type: 'room_lost', at: ms(40) },
      { type: 'settle', at: ms(70) },
    ]);
    expect(p).toMatchObject({ status: 'missed', endReason: 'visitor_never_joined', endedAt: ms(40) });
  });

  it('settles on everything the log holds, even events an agent clock ahead stamped after the sweep', () => {
    const p = projectCall([
      ...connected,
      { type: 'participant_left', at: ms(70), joinedAt: ms(1.2), cause: 'dropped', ...visitor },
      { type: 'settle', at: ms(65) },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_lost', endedAt: ms(70) });
  });

  it('does nothing on a settle with nothing to settle', () => {
    expect(projectCall([...connected, { type: 'settle', at: ms(60) }]).status).toBe('connected');
  });
});

describe('projectCall: every pair of end causes', () => {
  const causes: Record<string, { event: LifecycleEvent; status: string; reason: string }> = {
    visitor_hung_up: {
      event: ended(10.1, 'visitor_hung_up'),
      status: 'completed',
      reason: 'visitor_hung_up',
    },
    visitor_left: {
      event: left(visitor, 10, ms(1.2), 'self'),
      status: 'completed',
      reason: 'visitor_hung_up',
    },
    assistant_ended: {
      event: ended(10.4, 'assistant_ended'),
      status: 'completed',
      reason: 'assistant_ended',
    },
    max_duration: { event: ended(10.5, 'max_duration'), status: 'completed', reason: 'max_duration' },
    idle: { event: ended(10.6, 'idle'), status: 'completed', reason: 'idle' },
    assistant_dropped: {
      event: left(assistant, 10, ms(0.4), 'dropped'),
      status: 'failed',
      reason: 'assistant_lost',
    },
    settle_after_loss: { event: { type: 'settle', at: ms(10.9) }, status: 'failed', reason: 'media_lost' },
  };
  const base = [...connected, { type: 'room_lost', at: ms(9) } as const];
  for (const [firstName, first] of Object.entries(causes)) {
    for (const [secondName, second] of Object.entries(causes)) {
      if (firstName === secondName) continue;
      it(`${firstName} then ${secondName}: the first to arrive decides`, () => {
        const p = projectCall([...base, first.event, second.event]);
        expect([p.status, p.endReason]).toEqual([first.status, first.reason]);
        // And nothing that arrives later changes it.
        const later = projectCall([
          ...base,
          first.event,
          second.event,
          ...Object.values(causes).map((c) => c.event),
        ]);
        const decided = (x: CallProjection) => [x.status, x.endReason, x.endedAt, x.durationSeconds];
        expect(decided(later)).toEqual(decided(p));
      });
    }
  }
});
