/** Why a call ended; stored in voice_calls.end_reason and shown to admins. */
export const END_REASONS = [
  'visitor_hung_up',
  'agent_ended',
  'max_duration',
  'visitor_never_joined',
  'agent_unavailable',
  'agent_lost',
  'room_closed',
  'media_lost',
] as const;
export type EndReason = (typeof END_REASONS)[number];
