import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, CALL_TRANSITIONS, type CallStatus, isTerminal, transition } from './call-status.ts';

const LEGAL: Array<[CallStatus, CallStatus]> = [
  ['pending', 'ringing'],
  ['pending', 'connected'],
  ['pending', 'missed'],
  ['pending', 'failed'],
  ['ringing', 'connected'],
  ['ringing', 'missed'],
  ['ringing', 'failed'],
  ['connected', 'completed'],
  ['connected', 'failed'],
];

describe('call status machine', () => {
  it('allows exactly the listed edges and refuses every other pair', () => {
    for (const from of CALL_STATUSES) {
      for (const to of CALL_STATUSES) {
        const result = transition(from, to);
        const legal = from === to || LEGAL.some(([a, b]) => a === from && b === to);
        expect(result.ok, `${from} -> ${to}`).toBe(legal);
      }
    }
    const listed = Object.entries(CALL_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to]));
    expect(listed).toEqual(LEGAL);
  });

  it('keeps terminal states terminal', () => {
    for (const from of ['completed', 'missed', 'failed'] as const) {
      expect(isTerminal(from)).toBe(true);
      for (const to of CALL_STATUSES.filter((s) => s !== from)) {
        const result = transition(from, to);
        expect(result).toEqual({ ok: false, reason: `call is already ${from}` });
      }
    }
    for (const s of ['pending', 'ringing', 'connected'] as const) expect(isTerminal(s)).toBe(false);
  });

  it('explains a refused non-terminal move', () => {
    expect(transition('connected', 'ringing')).toEqual({
      ok: false,
      reason: 'cannot move a connected call to ringing',
    });
  });
});
