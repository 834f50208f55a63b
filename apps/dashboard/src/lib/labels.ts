import type { CallStatus, EndReason } from '@voicedesk/core';

/** Every status and end reason the API knows (packages/core), each with the words staff read. */
export const STATUS_LABELS: Record<CallStatus, string> = {
  pending: 'Pending',
  ringing: 'Ringing',
  connected: 'In progress',
  completed: 'Completed',
  missed: 'Missed',
  failed: 'Failed',
};

export const END_REASON_LABELS: Record<EndReason, string> = {
  visitor_hung_up: 'Visitor hung up',
  visitor_lost: 'Visitor’s connection lost',
  assistant_ended: 'Assistant ended the call',
  staff_ended: 'Staff member ended the call',
  callback_requested: 'Callback requested',
  max_duration: 'Maximum length reached',
  idle: 'Nobody spoke',
  visitor_never_joined: 'Visitor never joined',
  assistant_unavailable: 'No assistant available',
  assistant_lost: 'Assistant’s connection lost',
  room_closed: 'Room closed',
  media_lost: 'Media server lost the call',
};

export const CALL_STATUS_LIST = Object.keys(STATUS_LABELS) as CallStatus[];
export const END_REASON_LIST = Object.keys(END_REASON_LABELS) as EndReason[];

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as CallStatus] ?? status;
}

export function endReasonLabel(reason: string | null): string {
  if (!reason) return '—';
  return END_REASON_LABELS[reason as EndReason] ?? reason;
}

/** "visitor", "ai", "staff:<id>" → who said a line. */
export function speakerLabel(speaker: string): string {
  if (speaker === 'visitor') return 'Visitor';
  if (speaker === 'ai') return 'Assistant';
  if (speaker.startsWith('staff:')) return 'Staff';
  return speaker;
}
