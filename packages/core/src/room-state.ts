import { z } from 'zod';
import { CALL_PHASES } from './call-phase.ts';

/**
 * What a call's LiveKit room metadata says, written by the API alone from the call's projection
 * each time its phase changes. The worker reads it to go quiet or take over again, the widget to
 * show the visitor who they are talking to. The visitor's browser sees it: nothing here may be
 * more than the visitor may read (a staff member's first name, never an id or email).
 */
export const roomStateSchema = z.object({
  phase: z.enum(CALL_PHASES),
  /** The escalation the phase belongs to; absent before the first one. */
  escalationId: z.string().uuid().optional(),
  /**
   * How the last escalation step came about, when the phase is `ai` again: nobody took the call
   * (`expired`, `declined`, `nobody_available`: offer a callback) or staff gave it back
   * (`staff`, `staff_left`: say the assistant is back).
   */
  outcome: z.enum(['expired', 'declined', 'nobody_available', 'staff', 'staff_left']).optional(),
  /** While `human`: the first name the visitor is shown. */
  staffName: z.string().max(80).optional(),
});
export type RoomState = z.infer<typeof roomStateSchema>;

/** Room metadata as a room state; anything else (empty, foreign, malformed) reads as the assistant's. */
export function parseRoomState(metadata: string | undefined): RoomState {
  if (!metadata) return { phase: 'ai' };
  try {
    const parsed = roomStateSchema.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data : { phase: 'ai' };
  } catch {
    return { phase: 'ai' };
  }
}
