import { describe, expect, it } from 'vitest';
import type { LiveCall, LiveSegment } from '../api/types.ts';
import { applyCallEvent, applySegmentEvent, withSegment } from './live-calls.ts';

const call = (id: string, status: LiveCall['status'] = 'connected'): LiveCall => ({
  id,
  siteId: 's1',
  roomName: `call-${id}`,
  callerName: null,
  status,
  phase: 'ai',
  startedAt: '2026-11-25T10:00:00.000Z',
  connectedAt: null,
  endedAt: null,
  durationSeconds: null,
  endReason: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  segments: [],
});
const line = (seq: number, startedAt: string, text = String(seq), callId = 'a'): LiveSegment => ({
  id: `${callId}:${seq}`,
  seq,
  speaker: 'visitor',
  text,
  startedAt,
  endedAt: startedAt,
  language: null,
  source: 'stt',
});
const { segments: _none, ...summary } = call('b', 'completed');

describe('the live page’s calls as events arrive', () => {
  it('shows a new call first, updates a known one without losing its transcript, drops an ended one', () => {
    let calls = [call('a')];
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(1, '2026-11-25T10:00:01Z') });
    calls = applyCallEvent(calls, { call: { ...summary, status: 'ringing' } });
    expect(calls.map((c) => c.id)).toEqual(['b', 'a']);
    const { segments: _s, ...a } = call('a');
    calls = applyCallEvent(calls, { call: { ...a, phase: 'human' } });
    expect(calls.find((c) => c.id === 'a')?.phase).toBe('human');
    expect(calls.find((c) => c.id === 'a')?.segments.map((s) => s.text)).toEqual(['1']);
    calls = applyCallEvent(calls, { call: summary });
    expect(calls.map((c) => c.id)).toEqual(['a']);
  });

  it('adds each line once, in spoken order, to its own call only', () => {
    let calls = [call('a'), call('c')];
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(2, '2026-11-25T10:00:05Z') });
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(1, '2026-11-25T10:00:01Z') });
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(2, '2026-11-25T10:00:05Z') });
    calls = applySegmentEvent(calls, { callId: 'zz', segment: line(9, '2026-11-25T10:00:09Z', '9', 'zz') });
    expect(calls[0]?.segments.map((s) => s.id)).toEqual(['a:1', 'a:2']);
    expect(calls[1]?.segments).toEqual([]);
  });

  it('knows a streamed line it already holds from the list by its id', () => {
    const listed = { ...call('a'), segments: [line(7, '2026-11-25T10:00:01Z', 'Hi')] };
    const calls = applySegmentEvent([listed], {
      callId: 'a',
      segment: line(7, '2026-11-25T10:00:01Z', 'Hi'),
    });
    expect(calls[0]?.segments).toHaveLength(1);
  });

  it('puts lines spoken at the same moment in the order they were stored', () => {
    let calls = [call('a')];
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(4, '2026-11-25T10:00:01Z', 'second') });
    calls = applySegmentEvent(calls, { callId: 'a', segment: line(3, '2026-11-25T10:00:01Z', 'first') });
    expect(calls[0]?.segments.map((s) => s.text)).toEqual(['first', 'second']);
  });
});

describe('one call’s transcript as lines arrive (the answer page)', () => {
  it('adds a line once, in spoken order, and keeps the same list for a repeat', () => {
    let lines = withSegment([], line(2, '2026-11-25T10:00:02Z'));
    lines = withSegment(lines, line(1, '2026-11-25T10:00:01Z'));
    expect(lines.map((s) => s.seq)).toEqual([1, 2]);
    expect(withSegment(lines, line(2, '2026-11-25T10:00:02Z'))).toBe(lines);
  });
});
