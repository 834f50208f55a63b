import { describe, expect, it } from 'vitest';
import type { CallPhase } from './call-phase.ts';
import type { CallStatus } from './call-status.ts';
import type { EndReason } from './end-reasons.ts';
import { type CallProjection, type LifecycleEvent, projectCall } from './lifecycle.ts';

/**
 * The phase (rule 6 of lifecycle.ts): every phase event in every status and phase a call can
 * be in, then orderings, duplicates and the ends. The API stamps escalation events in ms.
 */
const T0 = Date.parse('2026-11-24T10:00:00Z');
const sec = (s: number) => T0 + Math.floor(s) * 1000;
const ms = (s: number) => T0 + Math.round(s * 1000);

const visitor = { sid: 'PA_v', identity: 'visitor-1', kind: 'visitor' as const };
const assistant = { sid: 'PA_a', identity: 'agent-1', kind: 'ai' as const };

const requested = (s: number, escalationId = 'E1'): LifecycleEvent => ({
  type: 'escalation_requested',
  at: ms(s),
  escalationId,
});
const accepted = (s: number, escalationId = 'E1'): LifecycleEvent => ({
  type: 'escalation_accepted',
  at: ms(s),
  escalationId,
});
const unanswered = (s: number, escalationId = 'E1'): LifecycleEvent => ({
  type: 'escalation_unanswered',
  at: ms(s),
  escalationId,
  outcome: 'expired',
});
const handedBack = (s: number, escalationId = 'E1'): LifecycleEvent => ({
  type: 'handed_back',
  at: ms(s),
  escalationId,
  cause: 'staff',
});
const ended = (s: number, reason: EndReason): LifecycleEvent => ({ type: 'call_ended', at: ms(s), reason });

const connected: LifecycleEvent[] = [
  { type: 'room_started', at: sec(0) },
  { type: 'participant_joined', at: ms(0.4), ...assistant },
  { type: 'participant_joined', at: ms(1.2), ...visitor },
];

/** Every status a call can be in, with the log that gets it there (phase prefix at 5–6 s). */
const statuses: Record<string, { status: CallStatus; log: (phase: LifecycleEvent[]) => LifecycleEvent[] }> = {
  pending: { status: 'pending', log: (phase) => [{ type: 'room_started', at: sec(0) }, ...phase] },
  ringing: {
    status: 'ringing',
    log: (phase) => [{ type: 'participant_joined', at: ms(0.5), ...visitor }, ...phase],
  },
  connected: { status: 'connected', log: (phase) => [...connected, ...phase] },
  completed: {
    status: 'completed',
    log: (phase) => [...connected, ...phase, ended(15, 'visitor_hung_up')],
  },
  // The assistant's session failed (its model unreachable): the agent ends the call.
  failed: { status: 'failed', log: (phase) => [...connected, ...phase, ended(15, 'assistant_unavailable')] },
  missed: {
    status: 'missed',
    log: (phase) => [
      { type: 'participant_joined', at: ms(0.5), ...visitor },
      ...phase,
      { type: 'assistant_join_timeout', at: ms(15) },
    ],
  },
};

/** The phase a connected call is in after these events, all for escalation E1. */
const phases: Record<CallPhase, LifecycleEvent[]> = {
  ai: [],
  waiting_human: [requested(5)],
  human: [requested(5), accepted(6)],
};

const events: Record<string, LifecycleEvent> = {
  'requested E1': requested(20),
  'requested E2': requested(20, 'E2'),
  'accepted E1': accepted(20),
  'accepted E2': accepted(20, 'E2'),
  'unanswered E1': unanswered(20),
  'unanswered E2': unanswered(20, 'E2'),
  'handed back E1': handedBack(20),
  'handed back E2': handedBack(20, 'E2'),
};

/** Where a connected call goes: only the step out of the phase it is in, for its escalation. */
const connectedMoves: Record<CallPhase, Record<string, CallPhase>> = {
  ai: {
    'requested E1': 'waiting_human',
    'requested E2': 'waiting_human',
    'accepted E1': 'ai',
    'accepted E2': 'ai',
    'unanswered E1': 'ai',
    'unanswered E2': 'ai',
    'handed back E1': 'ai',
    'handed back E2': 'ai',
  },
  waiting_human: {
    'requested E1': 'waiting_human',
    'requested E2': 'waiting_human',
    'accepted E1': 'human',
    'accepted E2': 'waiting_human',
    'unanswered E1': 'ai',
    'unanswered E2': 'waiting_human',
    'handed back E1': 'waiting_human',
    'handed back E2': 'waiting_human',
  },
  human: {
    'requested E1': 'human',
    'requested E2': 'human',
    'accepted E1': 'human',
    'accepted E2': 'human',
    'unanswered E1': 'human',
    'unanswered E2': 'human',
    'handed back E1': 'ai',
    'handed back E2': 'human',
  },
};

const decided = (p: CallProjection) => [p.status, p.endReason, p.endedAt, p.durationSeconds];

describe('projectCall: every phase event in every status and phase', () => {
  for (const [statusName, { status, log }] of Object.entries(statuses)) {
    // Only a connected call has a phase other than ai; an ended one keeps the phase it ended in.
    const reachable = (Object.keys(phases) as CallPhase[]).filter(
      (phase) => phase === 'ai' || ['connected', 'completed', 'failed'].includes(statusName),
    );
    for (const phase of reachable) {
      const before = log(phases[phase]);
      it(`${statusName} in ${phase}: the prefix gets there`, () => {
        expect(projectCall(before)).toMatchObject({ status, phase });
      });
      for (const [eventName, event] of Object.entries(events)) {
        const want = statusName === 'connected' ? connectedMoves[phase][eventName] : phase;
        it(`${statusName} in ${phase}, ${eventName} → ${want}`, () => {
          const p = projectCall([...before, event]);
          expect(p.phase).toBe(want);
          // The phase never moves the status, the end or its times.
          expect(decided(p)).toEqual(decided(projectCall(before)));
          // Once more with another event id (a second process sending it): nothing more moves.
          expect(projectCall([...before, event, event])).toEqual(p);
        });
      }
    }
  }

  it('does not apply a request that arrived before the call connected when it connects', () => {
    const p = projectCall([
      { type: 'participant_joined', at: ms(0.5), ...visitor },
      requested(1),
      { type: 'participant_joined', at: ms(2), ...assistant },
      accepted(3),
    ]);
    expect(p).toMatchObject({ status: 'connected', phase: 'ai' });
  });
});

describe('projectCall: phase through a call', () => {
  const escalated: LifecycleEvent[] = [
    ...connected,
    requested(10),
    accepted(14.5),
    handedBack(40),
    requested(50, 'E2'),
    unanswered(80, 'E2'),
    requested(90, 'E3'),
    accepted(91, 'E3'),
  ];

  it('goes ai → waiting_human → human → ai, then through a second and third escalation', () => {
    const phaseAfter = (n: number) => projectCall(escalated.slice(0, connected.length + n)).phase;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(phaseAfter)).toEqual([
      'ai',
      'waiting_human',
      'human',
      'ai',
      'waiting_human',
      'ai',
      'waiting_human',
      'human',
    ]);
  });

  it('converges to the same phase whatever order the events arrive in', () => {
    const want = projectCall(escalated);
    for (let seed = 1; seed <= 50; seed++) expect(projectCall(shuffled(escalated, seed))).toEqual(want);
  });

  it('is unaffected by duplicates', () => {
    expect(projectCall([...escalated, ...escalated])).toEqual(projectCall(escalated));
  });

  it('orders a request and its accept stamped in the same millisecond by meaning', () => {
    expect(projectCall([...connected, accepted(10), requested(10)]).phase).toBe('human');
  });

  it('keeps the accept when the expiry that lost the race is also in the log', () => {
    // The escalation row decides which one happened; a late expiry of the same offer is a no-op.
    const p = projectCall([...connected, requested(10), accepted(39.9), unanswered(40)]);
    expect(p.phase).toBe('human');
  });

  it('ignores an accept of an offer that already expired and was followed by a new one', () => {
    const p = projectCall([...connected, requested(10), unanswered(40), requested(45, 'E2'), accepted(46)]);
    expect(p.phase).toBe('waiting_human');
  });

  it('keeps the phase through a LiveKit node restart the call survives', () => {
    const p = projectCall([
      ...connected,
      requested(10),
      accepted(12),
      { type: 'room_started', at: sec(24) },
      { type: 'participant_joined', at: ms(24.3), sid: 'PA_a3', identity: 'agent-1', kind: 'ai' },
      { type: 'participant_joined', at: ms(24.4), sid: 'PA_v3', identity: 'visitor-1', kind: 'visitor' },
    ]);
    expect(p).toMatchObject({ status: 'connected', phase: 'human', unsettled: false });
  });
});

describe('projectCall: the assistant lost while a person holds the call or is awaited', () => {
  const assistantDropped = (s: number, sid = assistant.sid): LifecycleEvent => ({
    type: 'participant_left',
    at: sec(s),
    joinedAt: ms(0.4),
    cause: 'dropped',
    ...assistant,
    sid,
  });
  const human = [...connected, requested(10), accepted(12)];

  it('keeps a call staff hold when the assistant drops: the visitor and staff talk on', () => {
    const p = projectCall([...human, assistantDropped(20)]);
    expect(p).toMatchObject({ status: 'connected', phase: 'human', endReason: undefined, unsettled: false });
  });

  it('keeps it too when the assistant leaves by itself (its voice model gave up), until the hand-back', () => {
    const assistantLeft: LifecycleEvent = {
      type: 'participant_left',
      at: sec(20),
      joinedAt: ms(0.4),
      cause: 'self',
      ...assistant,
    };
    expect(projectCall([...human, assistantLeft])).toMatchObject({
      status: 'connected',
      phase: 'human',
      unsettled: false,
    });
    expect(projectCall([...human, assistantLeft, handedBack(40)])).toMatchObject({
      status: 'failed',
      endReason: 'assistant_lost',
      endedAt: ms(40),
    });
  });

  it('ends it assistant_lost when staff hand it back to nobody, at the hand-back', () => {
    const p = projectCall([...human, assistantDropped(20), handedBack(40)]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: ms(40) });
  });

  it('keeps a visitor waiting for a person when the assistant drops, and staff still take the call', () => {
    const waiting = [...connected, requested(10), assistantDropped(15)];
    expect(projectCall(waiting)).toMatchObject({
      status: 'connected',
      phase: 'waiting_human',
      unsettled: false,
    });
    expect(projectCall([...waiting, accepted(20)])).toMatchObject({ status: 'connected', phase: 'human' });
  });

  it('ends it assistant_lost when nobody takes the call, at the offer end', () => {
    const p = projectCall([...connected, requested(10), assistantDropped(15), unanswered(40)]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: ms(40) });
  });

  it('still ends on the visitor hanging up', () => {
    const p = projectCall([
      ...human,
      assistantDropped(20),
      { type: 'participant_left', at: sec(30), joinedAt: ms(1.2), cause: 'self', ...visitor },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', endedAt: sec(30) });
  });

  it('hands back to an assistant that joined again (a restarted job), and the call goes on', () => {
    const p = projectCall([
      ...human,
      assistantDropped(20),
      { type: 'participant_joined', at: ms(25), ...assistant, sid: 'PA_a2' },
      handedBack(40),
    ]);
    expect(p).toMatchObject({ status: 'connected', phase: 'ai', endReason: undefined });
  });

  it('waits for the assistant to rejoin after a LiveKit node restart, even if the offer expires meanwhile', () => {
    // Rule 5: the restart drops everyone; the assistant's rejoin reaches the API seconds later.
    const restarted: LifecycleEvent[] = [
      ...connected,
      requested(10),
      { type: 'room_started', at: sec(20) },
      { type: 'participant_joined', at: ms(23), ...visitor, sid: 'PA_v2' },
    ];
    const expired = projectCall([...restarted, unanswered(25)]);
    expect(expired).toMatchObject({
      status: 'connected',
      phase: 'ai',
      endReason: undefined,
      unsettled: true,
    });
    const rejoined = projectCall([
      ...restarted,
      unanswered(25),
      { type: 'participant_joined', at: ms(26), ...assistant, sid: 'PA_a2' },
    ]);
    expect(rejoined).toMatchObject({ status: 'connected', phase: 'ai', unsettled: false });
    // Nobody came back: settled as the assistant's loss, when the node died.
    const settled = projectCall([...restarted, unanswered(25), { type: 'settle', at: ms(60) }]);
    expect(settled).toMatchObject({ status: 'failed', endReason: 'assistant_lost', endedAt: sec(20) });
  });

  it("decides the same when LiveKit's report of the drop arrives after the hand-back", () => {
    const inOrder = projectCall([...human, assistantDropped(20), handedBack(40)]);
    expect(projectCall([...human, handedBack(40), assistantDropped(20)])).toEqual(inOrder);
  });
});

describe('projectCall: an ended call keeps the phase it ended in', () => {
  const human = [...connected, requested(10), accepted(12)];

  it('stores staff_ended as a completed call, answered by a person', () => {
    const p = projectCall([
      ...human,
      ended(30.2, 'staff_ended'),
      { type: 'participant_left', at: sec(30.5), joinedAt: ms(1.2), cause: 'room_closed', ...visitor },
      { type: 'participant_left', at: sec(30.5), joinedAt: ms(0.4), cause: 'room_closed', ...assistant },
      { type: 'room_finished', at: sec(31) },
    ]);
    expect(p).toMatchObject({
      status: 'completed',
      endReason: 'staff_ended',
      phase: 'human',
      endedAt: ms(30.2),
      durationSeconds: 29,
    });
  });

  it('gives staff_ended no precedence: the first cause to arrive decides', () => {
    const visitorFirst = projectCall([
      ...human,
      { type: 'participant_left', at: sec(30), joinedAt: ms(1.2), cause: 'self', ...visitor },
      ended(30.2, 'staff_ended'),
    ]);
    expect(visitorFirst.endReason).toBe('visitor_hung_up');
    const staffFirst = projectCall([
      ...human,
      ended(30.2, 'staff_ended'),
      { type: 'participant_left', at: sec(30), joinedAt: ms(1.2), cause: 'self', ...visitor },
    ]);
    expect(staffFirst.endReason).toBe('staff_ended');
  });

  it('keeps waiting_human for a visitor who hung up while waiting for a person', () => {
    const p = projectCall([...connected, requested(10), ended(20, 'visitor_hung_up'), unanswered(40)]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up', phase: 'waiting_human' });
  });

  it('ignores a phase event stamped after the end even when it arrived before it', () => {
    const p = projectCall([...human, handedBack(31), ended(30.2, 'staff_ended')]);
    expect(p).toMatchObject({ endReason: 'staff_ended', phase: 'human' });
  });

  it('ignores a phase event that arrived after the end even when stamped before it', () => {
    // Decided once (rule 1): the end fixed the row as its log stood then.
    const p = projectCall([...connected, requested(10), ended(20, 'assistant_ended'), accepted(19)]);
    expect(p).toMatchObject({ endReason: 'assistant_ended', phase: 'waiting_human' });
  });

  it('keeps the phase a dropped visitor left in when the call settles', () => {
    const p = projectCall([
      ...human,
      { type: 'participant_left', at: sec(20), joinedAt: ms(1.2), cause: 'dropped', ...visitor },
      { type: 'settle', at: ms(50) },
      handedBack(51),
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_lost', phase: 'human' });
  });

  for (const reason of [
    'visitor_hung_up',
    'assistant_ended',
    'max_duration',
    'idle',
    'staff_ended',
  ] as const) {
    it(`ends with ${reason} the same way in every phase`, () => {
      const byPhase = (Object.keys(phases) as CallPhase[]).map((phase) =>
        decided(projectCall([...connected, ...phases[phase], ended(20, reason)])),
      );
      expect(new Set(byPhase.map((d) => JSON.stringify(d))).size).toBe(1);
      expect(byPhase[0]?.slice(0, 2)).toEqual(['completed', reason]);
    });
  }
});

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
