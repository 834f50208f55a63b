import { EventEmitter } from 'node:events';
import { DisconnectReason, type Room, RoomEvent } from 'livekit-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ASSISTANT_AWAY_HOLD_MS, CallGoneError, joinCall } from './call-session.ts';

/**
 * A room whose connect succeeds and whose microphone publish then waits on a peer connection
 * that never comes: what livekit-client does when the room is deleted just after the visitor got
 * in (the API releases a call nobody joined: it ends it missed, then deletes its room).
 */
class RoomDeletedAfterConnect extends EventEmitter {
  localParticipant = {
    createTracks: async () => [new FakeMicrophone()],
    publishTrack: () => new Promise<void>(() => {}),
  };
  remoteParticipants = new Map();
  async connect(): Promise<void> {
    setTimeout(() => this.emit(RoomEvent.Disconnected, DisconnectReason.ROOM_DELETED), 10);
  }
  async disconnect(): Promise<void> {}
  registerTextStreamHandler(): void {}
  unregisterTextStreamHandler(): void {}
}

/** A microphone track: on until stopped. */
class FakeMicrophone {
  on = true;
  stop() {
    this.on = false;
  }
}

const handlers = {
  onJoinStep: () => {},
  onRoomState: () => {},
  onConnected: () => {},
  onCaption: () => {},
  onAgentLevel: () => {},
  onReconnecting: () => {},
  onReconnected: () => {},
  onEnded: () => {},
};

describe('joinCall', () => {
  it('says the call is gone when its room is deleted before the microphone is live', async () => {
    const room = new RoomDeletedAfterConnect() as unknown as Room;
    const joining = joinCall(room, { livekitUrl: 'ws://lk', token: 't' }, {} as HTMLElement, handlers);
    const outcome = await Promise.race([
      joining.then(
        () => 'joined',
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1_000)),
    ]);
    expect(outcome).toBeInstanceOf(CallGoneError);
  });
});

/** A room that joins at once, microphone and all, and whose metadata the test changes. */
class JoinedRoom extends EventEmitter {
  metadata: string | undefined = undefined;
  localParticipant = { createTracks: async () => [new FakeMicrophone()], publishTrack: async () => {} };
  remoteParticipants = new Map();
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  registerTextStreamHandler(): void {}
  unregisterTextStreamHandler(): void {}
  setMetadata(metadata: string) {
    this.metadata = metadata;
    this.emit(RoomEvent.RoomMetadataChanged, metadata);
  }
}

describe('who the visitor talks to', () => {
  it('follows the room metadata from the join on, once per change', async () => {
    const fake = new JoinedRoom();
    fake.metadata = '{"phase":"ai"}';
    const seen: string[] = [];
    await joinCall(fake as unknown as Room, { livekitUrl: 'ws://lk', token: 't' }, {} as HTMLElement, {
      ...handlers,
      onRoomState: (state) => seen.push(state.phase + (state.staffName ? `:${state.staffName}` : '')),
    });
    const escalationId = '0190a1b2-0000-7000-8000-000000000001';
    fake.setMetadata(JSON.stringify({ phase: 'waiting_human', escalationId }));
    fake.setMetadata(JSON.stringify({ phase: 'waiting_human', escalationId }));
    fake.setMetadata(JSON.stringify({ phase: 'human', escalationId, staffName: 'Ana' }));
    fake.setMetadata('garbage');
    expect(seen).toEqual(['ai', 'waiting_human', 'human:Ana', 'ai']);
  });

  describe('when the assistant leaves while the call goes on', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** A joined room with an assistant in it, and what the visitor is shown from the join on. */
    async function callWithAssistant() {
      vi.useFakeTimers();
      const fake = new JoinedRoom();
      fake.metadata = '{"phase":"ai"}';
      const assistant = { identity: 'agent-1', isAgent: true };
      fake.remoteParticipants.set(assistant.identity, assistant);
      const seen: string[] = [];
      await joinCall(fake as unknown as Room, { livekitUrl: 'ws://lk', token: 't' }, {} as HTMLElement, {
        ...handlers,
        onRoomState: (state, away) => seen.push(away ? `${state.phase}:away` : state.phase),
      });
      const leave = (p: { identity: string }) => {
        fake.remoteParticipants.delete(p.identity);
        fake.emit(RoomEvent.ParticipantDisconnected, p);
      };
      const join = (p: { identity: string; isAgent: boolean }) => {
        fake.remoteParticipants.set(p.identity, p);
        fake.emit(RoomEvent.ParticipantConnected, p);
      };
      return { fake, assistant, seen, leave, join };
    }

    it('says so once no assistant has been back for a moment, and stops when a new one joins', async () => {
      const { assistant, seen, leave, join } = await callWithAssistant();
      leave(assistant);
      vi.advanceTimersByTime(ASSISTANT_AWAY_HOLD_MS - 1);
      expect(seen).toEqual(['ai']);
      vi.advanceTimersByTime(1);
      expect(seen).toEqual(['ai', 'ai:away']);
      join({ identity: 'visitor-friend', isAgent: false });
      expect(seen).toEqual(['ai', 'ai:away']);
      join({ identity: 'agent-2', isAgent: true });
      expect(seen).toEqual(['ai', 'ai:away', 'ai']);
    });

    it('says nothing when a new assistant is in the room before the old one leaves, or within the moment', async () => {
      const { assistant, seen, leave, join } = await callWithAssistant();
      const second = { identity: 'agent-2', isAgent: true };
      join(second);
      leave(assistant);
      vi.advanceTimersByTime(ASSISTANT_AWAY_HOLD_MS * 2);
      leave(second);
      vi.advanceTimersByTime(ASSISTANT_AWAY_HOLD_MS / 2);
      join({ identity: 'agent-3', isAgent: true });
      vi.advanceTimersByTime(ASSISTANT_AWAY_HOLD_MS * 2);
      expect(seen).toEqual(['ai']);
    });

    it('says nothing once the call is over', async () => {
      const { fake, assistant, seen, leave } = await callWithAssistant();
      leave(assistant);
      fake.emit(RoomEvent.Disconnected, DisconnectReason.ROOM_DELETED);
      vi.advanceTimersByTime(ASSISTANT_AWAY_HOLD_MS * 2);
      expect(seen).toEqual(['ai']);
    });
  });
});

/** The steps a join goes through, in order, and how its microphone ends up. */
class ObservedRoom extends EventEmitter {
  steps: string[] = [];
  microphone = new FakeMicrophone();
  metadata: string | undefined = undefined;
  remoteParticipants = new Map();
  constructor(private readonly refuse = false) {
    super();
  }
  localParticipant = {
    createTracks: async () => {
      this.steps.push('microphone opened');
      return [this.microphone];
    },
    publishTrack: async () => {
      this.steps.push('microphone published');
    },
  };
  async connect(): Promise<void> {
    this.steps.push('connect started');
    // The room's connection takes longer than opening the microphone (~0.5 s in Chromium).
    await new Promise((r) => setTimeout(r, 20));
    if (this.refuse) throw new Error('could not establish signal connection');
    this.steps.push('connected');
  }
  async disconnect(): Promise<void> {}
  registerTextStreamHandler(): void {}
  unregisterTextStreamHandler(): void {}
}

describe('the microphone on joining', () => {
  it('is opened and published while the room connects, not after', async () => {
    const room = new ObservedRoom();
    await joinCall(
      room as unknown as Room,
      { livekitUrl: 'ws://lk', token: 't' },
      {} as HTMLElement,
      handlers,
    );
    expect(room.steps.indexOf('microphone published')).toBeLessThan(room.steps.indexOf('connected'));
    expect(room.steps.at(-1)).toBe('connected');
    expect(room.microphone.on).toBe(true);
  });

  it('is turned off when the room cannot be joined', async () => {
    const room = new ObservedRoom(true);
    const joining = joinCall(
      room as unknown as Room,
      { livekitUrl: 'ws://lk', token: 't' },
      {} as HTMLElement,
      handlers,
    );
    await expect(joining).rejects.toThrow('could not establish signal connection');
    expect(room.microphone.on).toBe(false);
  });
});
