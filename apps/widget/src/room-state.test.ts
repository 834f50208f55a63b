import { parseRoomState } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import { readRoomState, talkingTo } from './room-state.ts';

const ESCALATION = '0190a1b2-0000-7000-8000-000000000001';

describe('who the visitor is talking to, from the room metadata', () => {
  it('reads the metadata exactly as the API’s own parser does, without bundling it', () => {
    const cases = [
      undefined,
      '',
      'not json',
      '[]',
      '{"phase":"ai"}',
      `{"phase":"waiting_human","escalationId":"${ESCALATION}"}`,
      `{"phase":"human","escalationId":"${ESCALATION}","staffName":"Ana"}`,
      `{"phase":"ai","escalationId":"${ESCALATION}","outcome":"staff_left"}`,
      `{"phase":"ai","escalationId":"${ESCALATION}","outcome":"nobody_available","extra":1}`,
      '{"phase":"robot"}',
      '{"phase":"human","escalationId":"not-a-uuid"}',
      '{"phase":"human","escalationId":"0190a1b2-0000-0000-8000-000000000001"}',
      '{"phase":"human","escalationId":"00000000-0000-0000-0000-000000000000"}',
      '{"phase":"human","escalationId":"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"}',
      `{"phase":"human","escalationId":"${ESCALATION.toUpperCase()}"}`,
      '{"phase":"ai","outcome":"lost"}',
      `{"phase":"human","staffName":"${'x'.repeat(81)}"}`,
      '{"phase":"human","staffName":42}',
    ];
    for (const metadata of cases)
      expect(readRoomState(metadata), String(metadata)).toEqual(parseRoomState(metadata));
  });

  it('says the assistant, someone being found, or the staff member by first name', () => {
    expect(talkingTo({ phase: 'ai' })).toBe('Support assistant');
    expect(talkingTo({ phase: 'ai' }, true)).toBe('Reconnecting to the assistant…');
    // Staff hold the call without the assistant: its loss changes nothing the visitor hears.
    expect(talkingTo({ phase: 'human', escalationId: ESCALATION, staffName: 'Ana' }, true)).toBe(
      'Ana from the support team',
    );
    expect(talkingTo({ phase: 'ai', escalationId: ESCALATION, outcome: 'staff' })).toBe('Support assistant');
    expect(talkingTo({ phase: 'waiting_human', escalationId: ESCALATION })).toBe('Finding someone to help…');
    expect(talkingTo({ phase: 'human', escalationId: ESCALATION, staffName: 'Ana' })).toBe(
      'Ana from the support team',
    );
    expect(talkingTo({ phase: 'human', escalationId: ESCALATION })).toBe('Someone from the support team');
  });
});
