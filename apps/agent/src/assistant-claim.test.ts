import { EventEmitter } from 'node:events';
import { ParticipantKind, type Room, RoomEvent } from '@livekit/rtc-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ASSISTANT_JOB_ATTRIBUTE, CLAIM_RESCAN_MS, watchForNewerAssistant } from './assistant-claim.ts';

interface FakeParticipant {
  identity: string;
  kind: ParticipantKind;
  attributes: Record<string, string>;
}

class FakeRoom extends EventEmitter {
  remoteParticipants = new Map<string, FakeParticipant>();
}

const assistant = (identity: string, job?: number): FakeParticipant => ({
  identity,
  kind: ParticipantKind.AGENT,
  attributes: job === undefined ? {} : { [ASSISTANT_JOB_ATTRIBUTE]: String(job) },
});

function watch(room: FakeRoom, myJob: number) {
  const seen: number[] = [];
  const w = watchForNewerAssistant(room as unknown as Room, myJob, (theirs) => seen.push(theirs));
  return { seen, w };
}

describe('watchForNewerAssistant', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stands the old job down when the newer assistant is in the room without any event telling it', () => {
    // Seen in the cluster test: the old job's link came back into the re-created room (the
    // visitor saw both assistants there) and nothing it listens for told it of the newer one.
    vi.useFakeTimers();
    const room = new FakeRoom();
    const { seen, w } = watch(room, 1);
    room.remoteParticipants.set('agent-2', assistant('agent-2', 2));
    vi.advanceTimersByTime(CLAIM_RESCAN_MS);
    expect(seen).toEqual([2]);
    w.stop();
  });

  it('stands the old job down when it reconnects into a room the newer assistant already holds', () => {
    const room = new FakeRoom();
    room.remoteParticipants.set('agent-2', assistant('agent-2', 2));
    expect(watch(room, 1).seen).toEqual([2]);
  });

  it('stands the old job down when the newer one joins, or publishes its number, later', () => {
    const room = new FakeRoom();
    const { seen } = watch(room, 1);
    const newer = assistant('agent-2');
    room.remoteParticipants.set('agent-2', newer);
    room.emit(RoomEvent.ParticipantConnected, newer);
    expect(seen).toEqual([]);
    newer.attributes[ASSISTANT_JOB_ATTRIBUTE] = '2';
    room.emit(RoomEvent.ParticipantAttributesChanged, { [ASSISTANT_JOB_ATTRIBUTE]: '2' }, newer);
    expect(seen).toEqual([2]);
  });

  it('keeps the newest job when an older assistant, a visitor or staff appear', () => {
    const room = new FakeRoom();
    const { seen } = watch(room, 2);
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-1', 1));
    room.emit(RoomEvent.ParticipantConnected, {
      identity: 'visitor-x',
      kind: ParticipantKind.STANDARD,
      attributes: { [ASSISTANT_JOB_ATTRIBUTE]: '9' },
    });
    expect(seen).toEqual([]);
  });

  it('tells once, and nothing after stop', () => {
    const room = new FakeRoom();
    const { seen, w } = watch(room, 1);
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-2', 2));
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-3', 3));
    w.stop();
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-4', 4));
    expect(seen).toEqual([2]);
  });
});
