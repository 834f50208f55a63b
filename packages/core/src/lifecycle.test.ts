import { describe, expect, it } from 'vitest';
import { type LifecycleEvent, projectCall } from './lifecycle.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const visitor = { sid: 'PA_v', identity: 'visitor-1', kind: 'visitor' as const };
const agent = { sid: 'PA_a', identity: 'agent-1', kind: 'ai' as const };

const happy: LifecycleEvent[] = [
  { type: 'room_started', at: T0 },
  { type: 'participant_joined', at: T0 + 400, ...agent },
  { type: 'participant_joined', at: T0 + 1_200, ...visitor },
  { type: 'participant_left', at: T0 + 31_000, joinedAt: T0 + 1_200, cause: 'self', ...visitor },
  { type: 'participant_left', at: T0 + 32_000, joinedAt: T0 + 400, cause: 'self', ...agent },
  { type: 'room_finished', at: T0 + 52_000 },
];

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('projectCall', () => {
  it('turns a normal call into completed with talk time and both participants', () => {
    const p = projectCall(happy);
    expect(p.status).toBe('completed');
    expect(p.endReason).toBe('visitor_hung_up');
    expect(p.connectedAt).toBe(T0 + 1_200);
    expect(p.durationSeconds).toBe(30);
    expect(p.participants.map((x) => [x.kind, x.joinedAt, x.leftAt])).toEqual([
      ['ai', T0 + 400, T0 + 32_000],
      ['visitor', T0 + 1_200, T0 + 31_000],
    ]);
  });

  it('converges to the same row whatever order the events arrive in', () => {
    const expected = projectCall(happy);
    for (let seed = 1; seed <= 50; seed++) expect(projectCall(shuffled(happy, seed))).toEqual(expected);
  });

  it('is unaffected by duplicates', () => {
    expect(projectCall([...happy, ...happy])).toEqual(projectCall(happy));
  });

  it('marks a call missed when the assistant never joins', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...visitor },
      { type: 'agent_join_timeout', at: T0 + 20_000 },
    ]);
    expect(p).toMatchObject({
      status: 'missed',
      endReason: 'assistant_unavailable',
      durationSeconds: undefined,
    });
  });

  it('marks a connected call failed when the media server loses its room', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      { type: 'room_lost', at: T0 + 61_000 },
    ]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'media_lost', durationSeconds: 60 });
  });

  it('lets a late room_finished webhook win over a lost-room sweep that came after it', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      { type: 'room_lost', at: T0 + 61_000 },
      { type: 'room_finished', at: T0 + 31_000 },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'room_closed', durationSeconds: 30 });
  });

  it('marks a call missed when the visitor never uses the token', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'join_window_expired', at: T0 + 600_000 },
    ]);
    expect(p).toMatchObject({ status: 'missed', endReason: 'visitor_never_joined' });
  });

  it('marks a call failed when the assistant drops while the visitor is still there', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      { type: 'participant_left', at: T0 + 11_000, joinedAt: T0, cause: 'dropped', ...agent },
      { type: 'participant_left', at: T0 + 15_000, joinedAt: T0 + 1_000, cause: 'self', ...visitor },
    ]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost', durationSeconds: 10 });
  });

  it('takes the reason the assistant gave when it ends the call itself', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      { type: 'call_ended', at: T0 + 9_000, reason: 'max_duration' },
      { type: 'participant_left', at: T0 + 9_000, joinedAt: T0, cause: 'self', ...agent },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'max_duration', durationSeconds: 8 });
  });

  it('takes the visitor to have hung up when both leave within the same second', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      // LiveKit stamps webhooks in whole seconds: both leaves carry the same instant.
      { type: 'participant_left', at: T0 + 9_000, joinedAt: T0, cause: 'self', ...agent },
      { type: 'participant_left', at: T0 + 9_000, joinedAt: T0 + 1_000, cause: 'self', ...visitor },
    ]);
    expect(p).toMatchObject({ status: 'completed', endReason: 'visitor_hung_up' });
  });

  it('fails the call when the assistant drops and the room is then closed in the same second', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...agent },
      { type: 'participant_joined', at: T0 + 1_000, ...visitor },
      { type: 'participant_left', at: T0 + 20_000, joinedAt: T0 + 1_000, cause: 'room_closed', ...visitor },
      { type: 'participant_left', at: T0 + 20_000, joinedAt: T0, cause: 'dropped', ...agent },
    ]);
    expect(p).toMatchObject({ status: 'failed', endReason: 'assistant_lost' });
  });

  it('never leaves a terminal state, even when later events disagree', () => {
    const p = projectCall([
      { type: 'participant_joined', at: T0, ...visitor },
      { type: 'agent_join_timeout', at: T0 + 20_000 },
      { type: 'participant_joined', at: T0 + 25_000, ...agent },
    ]);
    expect(p.status).toBe('missed');
  });
});
