import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { callEventBatcherFor } from './call-event-batcher.ts';
import { runDueCallJobs } from './call-jobs.ts';
import {
  becameConnected,
  becameTerminal,
  type CallEventInput,
  type CallEventOutcome,
} from './call-lifecycle.ts';

/**
 * Records an event; when it ended the call, does what an ended call needs outside the database
 * (close its room) at once. Those jobs were queued with the event, so if doing them now
 * fails, the job runner retries them: nothing depends on this request getting that far.
 */
export async function applyCallEvent(deps: AppDeps, input: CallEventInput): Promise<CallEventOutcome> {
  const now = deps.now?.() ?? new Date();
  const outcome = await callEventBatcherFor(deps.database.db).record({
    input,
    options: {
      now,
      settleGraceSeconds: deps.config.settleGraceSeconds,
      // Egress records the room as it is: start it once there is someone to record.
      ...(deps.config.recording.mode === 'egress' ? { connectedJobs: ['start_recording'] as const } : {}),
    },
  });
  if (becameConnected(outcome) && outcome.callId && deps.config.recording.mode === 'egress') {
    await runDueCallJobs(deps, { callId: outcome.callId }).catch((err: unknown) => {
      deps.logger.warn(
        { callId: outcome.callId, ...errorFacts(err) },
        'recording start deferred to the runner',
      );
    });
  }
  if (becameTerminal(outcome) && outcome.callId) {
    deps.logger.info(
      {
        callId: outcome.callId,
        status: outcome.projection?.status,
        endReason: outcome.projection?.endReason,
      },
      'call ended',
    );
    await runDueCallJobs(deps, { callId: outcome.callId }).catch((err: unknown) => {
      deps.logger.warn({ callId: outcome.callId, ...errorFacts(err) }, 'call jobs deferred to the runner');
    });
  }
  return outcome;
}
