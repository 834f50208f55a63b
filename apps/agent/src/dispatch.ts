import { dispatchMetadataSchema, roomNameForCall } from '@voicedesk/core';

/** The call id this job serves, or null when the dispatch does not name one for this room. */
export function callIdForJob(metadata: string, roomName: string | undefined): string | null {
  let raw: unknown;
  try {
    raw = JSON.parse(metadata);
  } catch {
    return null;
  }
  const parsed = dispatchMetadataSchema.safeParse(raw);
  if (!parsed.success) return null;
  // A dispatch for another call's room would put this call's transcript on the wrong row.
  return roomName === roomNameForCall(parsed.data.callId) ? parsed.data.callId : null;
}
