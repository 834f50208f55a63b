/**
 * livekit-server offers a job only to workers whose reported load is under its
 * `agents.target_load`, 0.7 unless configured (v1.13.5 `JobRequestAffinity`: a worker counts
 * for `target_load - load`, floored at 0). A worker that reports 0.7 or more gets no calls, and
 * with no other worker the call is missed; so a worker's calls are reported on a scale whose
 * full mark is that target, not 1.
 */
export const SERVER_TARGET_LOAD = 0.7;

/** What a worker holding `activeCalls` of its `maxCalls` reports: under the target until full. */
export function workerLoad(activeCalls: number, maxCalls: number): number {
  return (Math.min(activeCalls, maxCalls) / maxCalls) * SERVER_TARGET_LOAD;
}
