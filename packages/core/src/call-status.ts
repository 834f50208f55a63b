/**
 * Lifecycle of a support call: pending → (ringing →) connected → completed; pending or ringing
 * → missed when the visitor never joins before the token expires; any open status → failed when
 * the assistant never joins, or the worker crashes and no retry joins. Webhooks can arrive twice and out of
 * order, so every transition is guarded here and a repeated one is a no-op.
 */
export const CALL_STATUSES = ['pending', 'ringing', 'connected', 'completed', 'missed', 'failed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<CallStatus> = new Set(['completed', 'missed', 'failed']);

/**
 * Every legal edge, and nothing else. `ringing` means the visitor is in the room and the
 * assistant is not yet; `connected` means both are (or have been) present.
 */
export const CALL_TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  pending: ['ringing', 'connected', 'missed', 'failed'],
  ringing: ['connected', 'missed', 'failed'],
  connected: ['completed', 'failed'],
  completed: [],
  missed: [],
  failed: [],
};

export type TransitionResult = { ok: true; status: CallStatus } | { ok: false; reason: string };

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function transition(from: CallStatus, to: CallStatus): TransitionResult {
  if (from === to) return { ok: true, status: from };
  if (CALL_TRANSITIONS[from].includes(to)) return { ok: true, status: to };
  return {
    ok: false,
    reason: isTerminal(from) ? `call is already ${from}` : `cannot move a ${from} call to ${to}`,
  };
}
