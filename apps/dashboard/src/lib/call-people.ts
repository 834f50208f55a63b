import { speakerLabel } from './labels.ts';

/** The room's prefix for staff identities (`staff-<staffUserId>`, issue 14 contract §3). */
export const STAFF_IDENTITY_PREFIX = 'staff-';

export interface Person {
  identity: string;
  kind: 'assistant' | 'visitor' | 'staff' | 'you';
  label: string;
}

/** A room participant as the answer page lists them (the recorder is hidden and never listed). */
export function describePerson(
  p: { identity: string; name: string | undefined; isAgent: boolean },
  myIdentity: string,
): Person {
  if (p.isAgent) return { identity: p.identity, kind: 'assistant', label: 'Assistant' };
  if (p.identity === myIdentity) return { identity: p.identity, kind: 'you', label: 'You' };
  if (p.identity.startsWith(STAFF_IDENTITY_PREFIX))
    return { identity: p.identity, kind: 'staff', label: `${p.name || 'Staff'} (staff)` };
  return { identity: p.identity, kind: 'visitor', label: p.name ? `${p.name} (visitor)` : 'Visitor' };
}

/** "staff:<id>" of this user reads "You"; other speakers as on the Live page. */
export function transcriptSpeaker(speaker: string, myId: string): string {
  return speaker === `staff:${myId}` ? 'You' : speakerLabel(speaker);
}

/** Why this staff member is no longer in the call. */
export type CallEnd = 'room_closed' | 'call_ended' | 'handed_back' | 'left' | 'removed' | 'connection_lost';

export function endedMessage(end: CallEnd): string {
  switch (end) {
    case 'room_closed':
    case 'call_ended':
      return 'The call ended.';
    case 'handed_back':
      return 'You handed the call back to the assistant.';
    case 'left':
      return 'You left the call.';
    case 'removed':
      return 'You were removed from the call: it is no longer yours to answer.';
    case 'connection_lost':
      return 'Your connection to the call was lost. If the call is still going, the assistant takes it back shortly.';
  }
}
