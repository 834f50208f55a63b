import type { CallDetail } from '../api/call-detail.ts';

/** Why the link to a stored recording could not be had: gone (404) or any other failure. */
export type LinkProblem = 'gone' | 'failed' | undefined;

/** What the call page says in place of the player, or null when the recording can play. */
export function recordingState(
  call: Pick<CallDetail, 'recording' | 'recordingAnnounced' | 'status'>,
  link: LinkProblem,
): string | null {
  if (!call.recording) {
    if (!call.recordingAnnounced)
      return 'This call was not recorded: its site did not record calls when it began.';
    return call.status === 'missed'
      ? 'This call was not recorded: it never connected.'
      : 'This call was not recorded.';
  }
  if (call.recording.status === 'active')
    return 'The recording is still being made; it can be played when the call has ended.';
  if (call.recording.status === 'failed') return 'The recording failed.';
  if (link === 'gone') return 'The recording is no longer stored.';
  if (link === 'failed') return 'The recording could not be loaded.';
  return null;
}
