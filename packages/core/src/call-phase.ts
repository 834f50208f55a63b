/**
 * Who is answering a live call: the assistant, nobody yet (an offer is ringing for staff), or a
 * staff member. Decided by the call's event log with its status (see lifecycle.ts), never
 * written on its own.
 */
export const CALL_PHASES = ['ai', 'waiting_human', 'human'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

/** Why an escalation ended with nobody taking the call: the assistant carries on. */
export const ESCALATION_MISSES = ['expired', 'declined', 'nobody_available'] as const;
export type EscalationMiss = (typeof ESCALATION_MISSES)[number];

/** Why a staff member's turn ended with the call still going: the assistant takes over again. */
export const HAND_BACK_CAUSES = ['staff', 'staff_left'] as const;
export type HandBackCause = (typeof HAND_BACK_CAUSES)[number];
