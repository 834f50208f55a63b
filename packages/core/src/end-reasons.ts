/**
 * Why a call ended; stored in voice_calls.end_reason and shown to admins. Reasons about the AI
 * say `assistant`; `agent` is a staff role.
 */
export const END_REASONS = [
  'visitor_hung_up',
  /** The visitor's connection dropped and did not come back within the reconnect grace. */
  'visitor_lost',
  'assistant_ended',
  /**
   * The staff member who had taken the call ended it for everyone. An end request like the
   * others: no precedence of its own, the first cause to arrive decides (lifecycle.ts, rule 1).
   */
  'staff_ended',
  /**
   * Nobody could take the call (no staff available, all declined, or the offer expired): the
   * assistant took the visitor's name, contact and reason for a callback and said goodbye.
   */
  'callback_requested',
  'max_duration',
  /** Nobody spoke for the site's idle limit, after one check-in. */
  'idle',
  'visitor_never_joined',
  'assistant_unavailable',
  'assistant_lost',
  'room_closed',
  'media_lost',
] as const;
export type EndReason = (typeof END_REASONS)[number];
