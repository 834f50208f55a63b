export const PARTICIPANT_KINDS = ['visitor', 'ai', 'staff', 'recorder'] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** Identities the API mints; the agent's identity is chosen by LiveKit and recognised by its kind. */
export const VISITOR_IDENTITY_PREFIX = 'visitor-';
export const STAFF_IDENTITY_PREFIX = 'staff-';
export const RECORDER_IDENTITY_PREFIX = 'recorder-';

export function visitorIdentity(callId: string): string {
  return `${VISITOR_IDENTITY_PREFIX}${callId}`;
}

/** `isAgent` is LiveKit's own participant kind (AGENT), which a visitor token cannot claim. */
export function participantKindOf(identity: string, isAgent: boolean): ParticipantKind {
  if (isAgent) return 'ai';
  if (identity.startsWith(STAFF_IDENTITY_PREFIX)) return 'staff';
  if (identity.startsWith(RECORDER_IDENTITY_PREFIX)) return 'recorder';
  return 'visitor';
}
