import type { AppDeps } from '../deps.ts';
import {
  becameTerminal,
  type CallEventInput,
  type CallEventOutcome,
  recordCallEvent,
} from './call-lifecycle.ts';
import { assembleTranscript } from './transcript.ts';

/** Records an event, then does what an ended call needs: close its room, freeze its transcript. */
export async function applyCallEvent(deps: AppDeps, input: CallEventInput): Promise<CallEventOutcome> {
  const outcome = await recordCallEvent(deps.database.db, input);
  if (becameTerminal(outcome) && outcome.callId && outcome.roomName) {
    deps.logger.info(
      {
        callId: outcome.callId,
        status: outcome.projection?.status,
        endReason: outcome.projection?.endReason,
      },
      'call ended',
    );
    await assembleTranscript(deps.database.db, outcome.callId);
    // Closing the room releases the worker's job and tells a waiting visitor the call is over.
    await deps.livekit.deleteRoom(outcome.roomName).catch((err: unknown) => {
      deps.logger.warn({ callId: outcome.callId, err: String(err) }, 'could not delete room of ended call');
    });
  }
  return outcome;
}
