import { callMetrics, newId } from '@voicedesk/db';
import type { AppDeps } from '../deps.ts';
import { errorFacts } from '../errors.ts';

/**
 * The first step of a call's setup trace, the visitor's press: the widget says how long before
 * its request the button was pressed (a duration, so the browser's clock does not matter), and
 * the worker's `setup` metric (apps/agent/src/setup-trace.ts) holds the steps after it. Best
 * effort and not awaited: the visitor's call never waits for its own diagnostics.
 */
export function recordPress(deps: AppDeps, callId: string, receivedAt: Date, msSincePress: number): void {
  const values = { pressedAt: receivedAt.getTime() - msSincePress, receivedAt: receivedAt.getTime() };
  void deps.database.db
    .insert(callMetrics)
    .values({ id: newId(), callId, turn: 0, kind: 'press', values })
    .onConflictDoNothing()
    .catch((err: unknown) => deps.logger.warn({ callId, ...errorFacts(err) }, 'press time not stored'));
}
