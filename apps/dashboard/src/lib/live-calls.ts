import type { LiveCall, LiveEvents, LiveSegment } from '../api/pending-types.ts';

const ENDED = new Set(['completed', 'missed', 'failed']);

/**
 * Which line a segment is, the same whether it came from the list or the stream: its number in
 * the call when it carries one, else its id, else what was said when.
 */
export function segmentKey(s: LiveSegment): string {
  if (s.seq !== undefined) return `seq-${s.seq}`;
  return s.id ?? `${s.startedAt}-${s.speaker}-${s.text}`;
}

function bySpokenOrder(a: LiveSegment, b: LiveSegment): number {
  return a.startedAt.localeCompare(b.startedAt) || (a.seq ?? 0) - (b.seq ?? 0);
}

/**
 * The calls in progress after a `call` event: a new call joins the list (newest first), a
 * changed one is updated and keeps its transcript, an ended one leaves.
 */
export function applyCallEvent(calls: readonly LiveCall[], event: LiveEvents['call']): LiveCall[] {
  const { call } = event;
  const existing = calls.find((c) => c.id === call.id);
  if (ENDED.has(call.status)) return calls.filter((c) => c.id !== call.id);
  if (existing) return calls.map((c) => (c.id === call.id ? { ...c, ...call, segments: c.segments } : c));
  return [{ ...call, segments: [] }, ...calls];
}

/**
 * The calls after a `segment` event: the line joins its call's transcript once (an event seen
 * again after a reconnect is not shown twice), in spoken order. A line of a call not in the list
 * is dropped; the list is fetched again when the stream reconnects.
 */
export function applySegmentEvent(calls: readonly LiveCall[], event: LiveEvents['segment']): LiveCall[] {
  return calls.map((c) => {
    if (c.id !== event.callId) return c;
    const key = segmentKey(event.segment);
    if (c.segments.some((s) => segmentKey(s) === key)) return c;
    return { ...c, segments: [...c.segments, event.segment].sort(bySpokenOrder) };
  });
}
