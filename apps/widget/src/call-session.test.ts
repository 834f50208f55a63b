import { EventEmitter } from 'node:events';
import { DisconnectReason, type Room, RoomEvent } from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { CallGoneError, joinCall } from './call-session.ts';

/**
 * A room whose connect succeeds and whose microphone publish then waits on a peer connection
 * that never comes: what livekit-client does when the room is deleted just after the visitor got
 * in (the API releases a call nobody joined: it ends it missed, then deletes its room).
 */
class RoomDeletedAfterConnect extends EventEmitter {
  localParticipant = { setMicrophoneEnabled: () => new Promise<void>(() => {}) };
  remoteParticipants = new Map();
  async connect(): Promise<void> {
    setTimeout(() => this.emit(RoomEvent.Disconnected, DisconnectReason.ROOM_DELETED), 10);
  }
  async disconnect(): Promise<void> {}
  registerTextStreamHandler(): void {}
  unregisterTextStreamHandler(): void {}
}

const handlers = {
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
