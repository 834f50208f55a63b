import { EventEmitter } from 'node:events';
import { ParticipantKind, type Room, RoomEvent } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { ASSISTANT_JOB_ATTRIBUTE, watchForOlderAssistant } from './assistant-claim.ts';

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
  const w = watchForOlderAssistant(room as unknown as Room, myJob, (theirs) => seen.push(theirs));
  return { seen, w };
}

describe('watchForOlderAssistant', () => {
  it('stands the newer job down when the older assistant is already in the room', () => {
    const room = new FakeRoom();
    room.remoteParticipants.set('agent-1', assistant('agent-1', 1));
    expect(watch(room, 2).seen).toEqual([1]);
  });

  it('stands the newer job down when the older one reconnects, or publishes its number, later', () => {
    const room = new FakeRoom();
    const { seen } = watch(room, 2);
    const older = assistant('agent-1');
    room.remoteParticipants.set('agent-1', older);
    room.emit(RoomEvent.ParticipantConnected, older);
    expect(seen).toEqual([]);
    older.attributes[ASSISTANT_JOB_ATTRIBUTE] = '1';
    room.emit(RoomEvent.ParticipantAttributesChanged, { [ASSISTANT_JOB_ATTRIBUTE]: '1' }, older);
    expect(seen).toEqual([1]);
  });

  it('keeps the older job when a newer assistant, a visitor or staff join', () => {
    const room = new FakeRoom();
    const { seen } = watch(room, 1);
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-2', 2));
    room.emit(RoomEvent.ParticipantConnected, {
      identity: 'visitor-x',
      kind: ParticipantKind.STANDARD,
      attributes: { [ASSISTANT_JOB_ATTRIBUTE]: '0' },
    });
    expect(seen).toEqual([]);
  });

  it('tells once, and nothing after stop', () => {
    const room = new FakeRoom();
    const { seen, w } = watch(room, 3);
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-1', 1));
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-2', 2));
    w.stop();
    room.emit(RoomEvent.ParticipantConnected, assistant('agent-0', 0));
    expect(seen).toEqual([1]);
  });
});
