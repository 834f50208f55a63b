import { EventEmitter } from 'node:events';
import { RoomEvent } from '@livekit/rtc-node';
import type { RoomState } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import { type MetadataSource, watchRoomPhase } from './room-phase.ts';

const E1 = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b';

class FakeRoom extends EventEmitter implements MetadataSource {
  metadata: string | undefined;
  set(state: unknown): void {
    this.metadata = typeof state === 'string' ? state : JSON.stringify(state);
    this.emit(RoomEvent.RoomMetadataChanged, this.metadata);
  }
}

describe('watchRoomPhase', () => {
  it('reports the phase at start and then each change of escalation, phase or outcome, not repeats', () => {
    const room = new FakeRoom();
    room.metadata = JSON.stringify({ phase: 'waiting_human', escalationId: E1 });
    const seen: [RoomState, boolean][] = [];
    const watch = watchRoomPhase(room, (state, initial) => seen.push([state, initial]));
    room.set({ phase: 'waiting_human', escalationId: E1 });
    room.set({ phase: 'human', escalationId: E1, staffName: 'Ana' });
    room.set({ phase: 'human', escalationId: E1, staffName: 'Ana' });
    room.set({ phase: 'ai', escalationId: E1, outcome: 'staff' });
    expect(seen).toEqual([
      [{ phase: 'waiting_human', escalationId: E1 }, true],
      [{ phase: 'human', escalationId: E1, staffName: 'Ana' }, false],
      [{ phase: 'ai', escalationId: E1, outcome: 'staff' }, false],
    ]);
    expect(watch.current()).toEqual({ phase: 'ai', escalationId: E1, outcome: 'staff' });
    watch.stop();
    room.set({ phase: 'human', escalationId: E1 });
    expect(seen).toHaveLength(3);
  });

  it("reads empty or foreign metadata as the assistant's phase", () => {
    const room = new FakeRoom();
    const seen: RoomState[] = [];
    watchRoomPhase(room, (state) => seen.push(state));
    room.set({ phase: 'human', escalationId: E1 });
    room.set('not json');
    expect(seen).toEqual([{ phase: 'ai' }, { phase: 'human', escalationId: E1 }, { phase: 'ai' }]);
  });
});
