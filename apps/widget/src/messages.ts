/** What the visitor reads for each state and error; one place so the wording stays consistent. */
export const STATE_TEXT = {
  idle: 'Talk to support',
  'requesting-mic': 'Allow microphone access to start the call…',
  connecting: 'Connecting you to support…',
  'in-call': 'You are connected',
  reconnecting: 'Connection lost, reconnecting…',
  ended: 'Call ended',
  error: 'Something went wrong',
} as const;

export const ERROR_TEXT: Record<string, string> = {
  mic_denied: 'Microphone access was blocked. Allow it in your browser to call us.',
  no_mic: 'No microphone was found. Connect one to call us.',
  site_not_found: 'Voice support is not set up for this website.',
  origin_not_allowed: 'Voice support is not set up for this website.',
  voice_unavailable: 'Voice support is unavailable right now. Please try again shortly.',
  unreachable: 'Voice support is unavailable right now. Please try again shortly.',
  outside_hours: 'Support is closed right now. Please call again during opening hours.',
  rate_limited: 'Too many calls from your connection. Please wait a minute and try again.',
  connection_lost: 'The connection was lost and could not be restored, so the call ended.',
};

export function errorText(code: string): string {
  return ERROR_TEXT[code] ?? 'The call could not be started. Please try again.';
}

/** Said when a site records its calls but wrote no notice of its own: a visitor is always told. */
export const RECORDED_NOTICE = 'This call is recorded.';

/** The notice a visitor reads before a call: none when it is not recorded. */
export function noticeText(recording: { enabled: boolean; notice: string | null } | undefined): string {
  if (!recording?.enabled) return '';
  return recording.notice?.trim() || RECORDED_NOTICE;
}
