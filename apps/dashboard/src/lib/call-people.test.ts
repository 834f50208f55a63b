import { describe, expect, it } from 'vitest';
import { describePerson, endedMessage, transcriptSpeaker } from './call-people.ts';

describe('who is in the call, as the staff member reads it', () => {
  it('names the assistant, the visitor, and this staff member as you', () => {
    const me = 'staff-u1';
    expect(describePerson({ identity: 'agent-AJ_1', name: 'agent', isAgent: true }, me)).toMatchObject({
      kind: 'assistant',
      label: 'Assistant',
    });
    expect(describePerson({ identity: 'visitor-9', name: 'Sam', isAgent: false }, me)).toMatchObject({
      kind: 'visitor',
      label: 'Sam (visitor)',
    });
    expect(describePerson({ identity: 'visitor-9', name: '', isAgent: false }, me).label).toBe('Visitor');
    expect(describePerson({ identity: 'staff-u1', name: 'Ana', isAgent: false }, me)).toMatchObject({
      kind: 'you',
      label: 'You',
    });
    expect(describePerson({ identity: 'staff-u2', name: 'Bo', isAgent: false }, me).label).toBe('Bo (staff)');
  });

  it('says who spoke a transcript line, with this staff member’s own lines as yours', () => {
    expect(transcriptSpeaker('staff:u1', 'u1')).toBe('You');
    expect(transcriptSpeaker('staff:u2', 'u1')).toBe('Staff');
    expect(transcriptSpeaker('visitor', 'u1')).toBe('Visitor');
    expect(transcriptSpeaker('ai', 'u1')).toBe('Assistant');
  });

  it('explains why the call is over for this staff member', () => {
    expect(endedMessage('room_closed')).toBe('The call ended.');
    expect(endedMessage('handed_back')).toBe('You handed the call back to the assistant.');
    expect(endedMessage('removed')).toMatch(/removed/);
    expect(endedMessage('connection_lost')).toMatch(/connection/);
  });
});
