import { EventEmitter } from 'node:events';
import { ConnectionState, DisconnectReason, ParticipantKind, type Room, RoomEvent } from '@livekit/rtc-node';
import { type WitnessEvent, witnessEventSchema } from '@voicedesk/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachRoomWitness, leaveCauseOf } from './room-witness.ts';

interface FakeParticipant {
  sid: string;
  identity: string;
  kind: ParticipantKind;
  disconnectReason?: DisconnectReason;
}

/** The parts of rtc-node's Room the witness uses, driven by hand. */
class FakeRoom extends EventEmitter {
  remoteParticipants = new Map<string, FakeParticipant>();
  localParticipant: FakeParticipant | undefined;
  connected = false;

  get isConnected(): boolean {
    return this.connected;
  }

  connect(self: FakeParticipant, present: FakeParticipant[] = []): void {
    this.localParticipant = self;
    for (const p of present) this.remoteParticipants.set(p.identity, p);
    this.connected = true;
    this.emit(RoomEvent.ConnectionStateChanged, ConnectionState.CONN_CONNECTED);
  }

  join(p: FakeParticipant): void {
    this.remoteParticipants.set(p.identity, p);
    this.emit(RoomEvent.ParticipantConnected, p);
  }

  leave(identity: string, reason: DisconnectReason): void {
    const p = this.remoteParticipants.get(identity);
    if (!p) return;
    this.remoteParticipants.delete(identity);
    // rtc-node reports UNKNOWN_REASON as undefined.
    p.disconnectReason = reason === DisconnectReason.UNKNOWN_REASON ? undefined : reason;
    this.emit(RoomEvent.ParticipantDisconnected, p);
  }

  disconnect(reason: DisconnectReason): void {
    this.connected = false;
    this.emit(RoomEvent.ConnectionStateChanged, ConnectionState.CONN_DISCONNECTED);
    this.emit(RoomEvent.Disconnected, reason);
  }
}

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0, 0);
const agent: FakeParticipant = { sid: 'PA_agent', identity: 'agent-AJ_1', kind: ParticipantKind.AGENT };
const visitor = (sid = 'PA_v1'): FakeParticipant => ({
  sid,
  identity: 'visitor-0193',
  kind: ParticipantKind.STANDARD,
});
const staff: FakeParticipant = { sid: 'PA_s1', identity: 'staff-42', kind: ParticipantKind.STANDARD };

function setup() {
  const room = new FakeRoom();
  const events: WitnessEvent[] = [];
  let clock = T0;
  const tick = (ms: number) => {
    clock += ms;
  };
  const witness = attachRoomWitness(
    room as unknown as Room,
    { addWitness: (e) => events.push(e) },
    { now: () => clock },
  );
  return { room, events, tick, witness };
}

const brief = (e: WitnessEvent) =>
  `${e.type === 'participant_joined' ? '+' : '-'}${e.sid}${e.type === 'participant_left' ? `:${e.cause}` : ''}`;

afterEach(() => {
  vi.useRealTimers();
});

describe('leaveCauseOf', () => {
  it.each([
    [DisconnectReason.CLIENT_INITIATED, 'self'],
    [DisconnectReason.ROOM_DELETED, 'room_closed'],
    [DisconnectReason.ROOM_CLOSED, 'room_closed'],
    [DisconnectReason.PARTICIPANT_REMOVED, 'room_closed'],
    [DisconnectReason.SERVER_SHUTDOWN, 'room_closed'],
    [DisconnectReason.DUPLICATE_IDENTITY, 'replaced'],
    [DisconnectReason.SIGNAL_CLOSE, 'dropped'],
    [DisconnectReason.CONNECTION_TIMEOUT, 'dropped'],
    [DisconnectReason.MEDIA_FAILURE, 'dropped'],
    [DisconnectReason.STATE_MISMATCH, 'dropped'],
    [undefined, 'dropped'],
  ])('maps %s to %s', (reason, cause) => {
    expect(leaveCauseOf(reason)).toBe(cause);
  });
});

describe('attachRoomWitness', () => {
  it('reports its own join and those already present on connect, then joins and leaves with ms times', () => {
    const { room, events, tick } = setup();
    tick(1);
    room.connect(agent, [visitor()]);
    tick(1_234);
    room.join(staff);
    tick(5_007);
    room.leave('visitor-0193', DisconnectReason.CLIENT_INITIATED);

    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1', '+PA_s1', '-PA_v1:self']);
    for (const event of events) expect(witnessEventSchema.parse(event)).toEqual(event);
    expect(events[0]).toEqual({
      type: 'participant_joined',
      at: '2026-11-25T10:00:00.001Z',
      sid: 'PA_agent',
      identity: 'agent-AJ_1',
      kind: 'ai',
    });
    expect(events[1]).toMatchObject({ identity: 'visitor-0193', kind: 'visitor' });
    expect(events[2]).toMatchObject({ kind: 'staff', at: '2026-11-25T10:00:01.235Z' });
    expect(events[3]).toEqual({
      type: 'participant_left',
      at: '2026-11-25T10:00:06.242Z',
      sid: 'PA_v1',
      identity: 'visitor-0193',
      kind: 'visitor',
      joinedAt: '2026-11-25T10:00:00.001Z',
      cause: 'self',
    });
  });

  it('reports at once when attached to a room already connected', () => {
    const room = new FakeRoom();
    room.connect(agent, [visitor()]);
    const events: WitnessEvent[] = [];
    attachRoomWitness(room as unknown as Room, { addWitness: (e) => events.push(e) }, { now: () => T0 });
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1']);
  });

  it('tells a dropped connection from a replaced session, whichever of join and leave comes first', () => {
    vi.useFakeTimers();
    const { room, events } = setup();
    room.connect(agent);
    room.join(visitor('PA_v1'));
    room.leave('visitor-0193', DisconnectReason.SIGNAL_CLOSE);
    vi.advanceTimersByTime(3_000);
    room.join(visitor('PA_v2'));
    room.leave('visitor-0193', DisconnectReason.DUPLICATE_IDENTITY);
    room.join(visitor('PA_v3'));
    // The new session's join first: rtc-node then hands the leave the new session's participant.
    room.join(visitor('PA_v4'));
    room.leave('visitor-0193', DisconnectReason.DUPLICATE_IDENTITY);
    expect(events.map(brief)).toEqual([
      '+PA_agent',
      '+PA_v1',
      '-PA_v1:dropped',
      '+PA_v2',
      '-PA_v2:replaced',
      '+PA_v3',
      '+PA_v4',
      '-PA_v3:replaced',
    ]);
  });

  it('does not report the others as dropped when its own link to LiveKit breaks', () => {
    vi.useFakeTimers();
    const { room, events } = setup();
    room.connect(agent, [visitor()]);
    // The server died: the SDK drops the visitor with no reason, then reconnects or gives up.
    room.leave('visitor-0193', DisconnectReason.UNKNOWN_REASON);
    room.emit(RoomEvent.Reconnecting);
    vi.advanceTimersByTime(10_000);
    room.disconnect(DisconnectReason.SIGNAL_CLOSE);
    vi.advanceTimersByTime(10_000);
    // Neither the visitor's drop nor its own: LiveKit's webhooks (or the room's loss) tell those.
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1']);
  });

  it('back after its own link broke, reports who did not come back as dropped when the link broke', () => {
    const { room, events, tick } = setup();
    room.connect(agent, [visitor()]);
    tick(5_000);
    room.emit(RoomEvent.Reconnecting);
    const brokeAt = new Date(T0 + 5_000).toISOString();
    tick(8_000);
    // The node died; the room came back on another node without the visitor.
    room.remoteParticipants.clear();
    room.emit(RoomEvent.Reconnected);
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1', '-PA_v1:dropped']);
    expect(events[2]?.at).toBe(brokeAt);
  });

  it('reports a drop at the time it was seen, once its own link held for the confirm window', () => {
    vi.useFakeTimers();
    const { room, events } = setup();
    room.connect(agent, [visitor()]);
    room.leave('visitor-0193', DisconnectReason.SIGNAL_CLOSE);
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1']);
    vi.advanceTimersByTime(3_000);
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1', '-PA_v1:dropped']);
    expect(events[2]?.at).toBe(events[1]?.at);
  });

  it('on a deleted room reports everyone still there as gone with it', () => {
    const { room, events } = setup();
    room.connect(agent, [visitor()]);
    room.join(staff);
    room.disconnect(DisconnectReason.ROOM_DELETED);
    expect(events.map(brief).slice(3)).toEqual([
      '-PA_agent:room_closed',
      '-PA_v1:room_closed',
      '-PA_s1:room_closed',
    ]);
  });

  it('removed from a room that goes on, reports only itself: the others are still there', () => {
    const { room, events } = setup();
    room.connect(agent, [visitor()]);
    room.join(staff);
    room.disconnect(DisconnectReason.PARTICIPANT_REMOVED);
    expect(events.map(brief).slice(3)).toEqual(['-PA_agent:room_closed']);
  });

  it('on its own disconnect reports only itself, and detach after that reports nothing more', () => {
    const { room, events, witness } = setup();
    room.connect(agent, [visitor()]);
    room.disconnect(DisconnectReason.CLIENT_INITIATED);
    witness.detach();
    expect(events.map(brief)).toEqual(['+PA_agent', '+PA_v1', '-PA_agent:self']);
  });

  it('detach reports the agent leaving if the room has not said so yet, and stops listening', () => {
    const { room, events, witness } = setup();
    room.connect(agent);
    witness.detach();
    room.join(staff);
    expect(events.map(brief)).toEqual(['+PA_agent', '-PA_agent:self']);
    expect(room.listenerCount(RoomEvent.ParticipantConnected)).toBe(0);
  });
});
