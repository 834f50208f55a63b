import { z } from 'zod';
import { PARTICIPANT_KINDS } from './participants.ts';

/**
 * Why a participant left: on its own (`self`: hang-up, tab closed), because the room was closed
 * under it (`room_closed`, a consequence of an earlier decision), because a new session of the
 * same identity took its place (`replaced`: a full reconnect), or its connection dropped
 * (`dropped`, which LiveKit only notices after a timeout).
 */
export const LEAVE_CAUSES = ['self', 'room_closed', 'replaced', 'dropped'] as const;
export type LeaveCause = (typeof LEAVE_CAUSES)[number];

/**
 * What the agent saw in the room, reported to `/internal/calls/:id/witness`. LiveKit drops
 * webhooks it could not deliver within `max_age` (30 s), so after an API outage these spooled
 * reports are the only record of who joined and left, and when.
 */
const witnessBase = {
  /** When the agent saw it (ISO 8601, milliseconds). */
  at: z.iso.datetime(),
  sid: z.string().min(1).max(64),
  identity: z.string().min(1).max(128),
  kind: z.enum(PARTICIPANT_KINDS),
};

export const witnessEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('participant_joined'), ...witnessBase }),
  z.object({
    type: z.literal('participant_left'),
    ...witnessBase,
    joinedAt: z.iso.datetime(),
    cause: z.enum(LEAVE_CAUSES),
  }),
]);
export type WitnessEvent = z.infer<typeof witnessEventSchema>;

export const witnessBatchSchema = z.object({ events: z.array(witnessEventSchema).min(1).max(200) });
export type WitnessBatch = z.infer<typeof witnessBatchSchema>;
