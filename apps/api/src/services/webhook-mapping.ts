import { DisconnectReason, ParticipantInfo_Kind } from '@livekit/protocol';
import { type LeaveCause, type LifecycleEvent, participantKindOf } from '@voicedesk/core';
import type { ReceivedWebhook } from './livekit-gateway.ts';
import { sanitizePayload } from './sanitize-payload.ts';

export interface StoredWebhook {
  eventId: string;
  type: string;
  roomName: string | undefined;
  createdAt: Date;
  lifecycle: LifecycleEvent | null;
  payload: unknown;
}

const ROOM_CLOSED = new Set<DisconnectReason>([
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.SERVER_SHUTDOWN,
]);

/** Anything but a leave the client asked for, a reconnect or a room closure is a dropped connection. */
function leaveCause(reason: DisconnectReason): LeaveCause {
  if (reason === DisconnectReason.CLIENT_INITIATED) return 'self';
  // A full reconnect: LiveKit closes the old session when the same identity joins again.
  if (reason === DisconnectReason.DUPLICATE_IDENTITY) return 'replaced';
  return ROOM_CLOSED.has(reason) ? 'room_closed' : 'dropped';
}

export function mapWebhook({ event, sent }: ReceivedWebhook): StoredWebhook {
  // LiveKit stamps webhooks in whole seconds; participants carry millisecond join times.
  const createdAtMs = Number(event.createdAt) * 1000;
  const at = createdAtMs > 0 ? createdAtMs : Date.now();
  const p = event.participant;
  let lifecycle: LifecycleEvent | null = null;
  if (event.event === 'room_started') lifecycle = { type: 'room_started', at };
  if (event.event === 'room_finished') lifecycle = { type: 'room_finished', at };
  if (p && (event.event === 'participant_joined' || event.event === 'participant_left')) {
    const joinedAt = Number(p.joinedAtMs) || Number(p.joinedAt) * 1000 || at;
    const base = {
      sid: p.sid,
      identity: p.identity,
      name: p.name || undefined,
      kind: participantKindOf(p.identity, p.kind === ParticipantInfo_Kind.AGENT),
    };
    lifecycle =
      event.event === 'participant_joined'
        ? { type: 'participant_joined', at: joinedAt, ...base }
        : {
            type: 'participant_left',
            at: Math.max(at, joinedAt),
            joinedAt,
            cause: leaveCause(p.disconnectReason),
            ...base,
          };
  }
  return {
    eventId: event.id,
    type: event.event,
    // Egress events name their room only inside egressInfo.
    roomName: event.room?.name ?? (event.egressInfo?.roomName || undefined),
    createdAt: new Date(at),
    lifecycle,
    // What LiveKit sent, not the SDK's encoding of what it decoded: that would drop the fields a
    // newer server adds, and encoding it again cost about 3 % of the API's CPU under webhook load.
    payload: sanitizePayload(sent),
  };
}
