import { ParticipantKind } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { sideOf } from './recording-session.ts';

describe('sideOf', () => {
  it('records all three voices: the visitor left, the assistant and the staff member right', () => {
    const call = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b';
    expect(sideOf({ identity: `visitor-${call}`, kind: ParticipantKind.STANDARD })).toBe('left');
    expect(sideOf({ identity: 'agent-AJ_x', kind: ParticipantKind.AGENT })).toBe('right');
    expect(sideOf({ identity: `staff-${call}`, kind: ParticipantKind.STANDARD })).toBe('right');
    expect(sideOf({ identity: `recorder-${call}`, kind: ParticipantKind.STANDARD })).toBeNull();
  });
});
