/** Stable error codes shared by the API, the agent, the widget and the dashboard. */
export const ERROR_CODES = [
  'validation_failed',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'forbidden',
  /** A state-changing request carrying the staff cookie from another origin (CSRF). */
  'origin_refused',
  'invalid_credentials',
  /** A wrong or used first-run code, or a wrong or expired invite. */
  'invalid_code',
  'already_set_up',
  'origin_not_allowed',
  'site_not_found',
  'call_not_found',
  'not_found',
  'call_not_active',
  'recording_not_found',
  'recording_closed',
  'conflict',
  /** Another staff member accepted the escalation first. */
  'escalation_taken',
  /** The escalation stopped ringing (expired, declined by all, the call ended). */
  'escalation_closed',
  'escalation_not_found',
  /** Hand-back or a staff member's end: no staff member has the call now (its phase is not `human`). */
  'not_with_staff',
  /** Another staff member has claimed the callback request. */
  'callback_claimed',
  'callback_request_not_found',
  'rate_limited',
  'outside_hours',
  'voice_unavailable',
  'storage_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Codes with which the API (on a 400, 404, 409 or 422) says an internal report or its call can never
 * be accepted: the agent drops such a batch. Any other refusal (401 in a key rotation, 429, 5xx,
 * a route not deployed yet) passes, so the agent keeps the batch and retries it.
 */
export const PERMANENT_REJECTION_CODES = [
  'validation_failed',
  'call_not_found',
  // A hand-off or callback asked for once the call has ended (or before it connected).
  'call_not_active',
  // The recorder's uploads: the call keeps no recording, or its recording was closed already.
  'recording_not_found',
  'recording_closed',
] as const satisfies readonly ErrorCode[];

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; field?: string; requestId: string };
}

/** Thrown anywhere in the API and rendered as the one error envelope by the error handler. */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
