import type { LiveCall, LiveEvents, LiveSegment } from '../api/types.ts';

const ENDED = new Set(['completed', 'missed', 'failed']);

/** Which line a segment is, the same whether it came from the list or the stream (`<callId>:<seq>`). */
export function segmentKey(s: LiveSegment): string {
  return s.id;
}

function bySpokenOrder(a: LiveSegment, b: LiveSegment): number {
  return a.startedAt.localeCompare(b.startedAt) || a.seq - b.seq;
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
 * is dropped; the list is fetched again when the stream reconnects or asks for it (`resync`).
 */
export function applySegmentEvent(calls: readonly LiveCall[], event: LiveEvents['segment']): LiveCall[] {
  return calls.map((c) => {
    if (c.id !== event.callId) return c;
    const segments = withSegment(c.segments, event.segment);
    return segments === c.segments ? c : { ...c, segments };
  });
}

/** One call's transcript with a line added once, in spoken order (the same array if it was there). */
export function withSegment(segments: LiveSegment[], segment: LiveSegment): LiveSegment[] {
  const key = segmentKey(segment);
  if (segments.some((s) => segmentKey(s) === key)) return segments;
  return [...segments, segment].sort(bySpokenOrder);
}
