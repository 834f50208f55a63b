import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';
import { callEventBatcherFor } from './call-event-batcher.ts';
import { runClaimedJobs } from './call-jobs.ts';
import { becameTerminal, type CallEventInput, type CallEventOutcome } from './call-lifecycle.ts';

/**
 * Records an event, then does at once the work it queued (an ended call's room closed, an egress
 * recording started). That work was queued with the event, claimed for this request, so if doing
 * it now fails the job runner retries it: nothing depends on this request getting that far.
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
  if (becameTerminal(outcome) && outcome.callId) {
    deps.logger.info(
      {
        callId: outcome.callId,
        status: outcome.projection?.status,
        endReason: outcome.projection?.endReason,
      },
      'call ended',
    );
  }
  if (outcome.jobs?.length) {
    await runClaimedJobs(deps, outcome.jobs).catch((err: unknown) => {
      deps.logger.warn({ callId: outcome.callId, ...errorFacts(err) }, 'call jobs deferred to the runner');
    });
  }
  return outcome;
}
