/** The framework's own variable: its event-loop monitor's warning threshold, 0 turning it off. */
export const LOOP_BLOCK_WARN_VAR = 'LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS';

/**
 * Off unless the operator sets it. Left on (the framework's 100 ms), every job process, the
 * warm ones waiting for a call included, wakes every 20 ms on its loop and on a watchdog thread
 * of its own, and observes every garbage collection. Measured with `bench/capacity-bench.ts`:
 * about 2 % of a core per talking call, and an idle worker with its warm pool at 3–4 % of a core
 * against 1 % without it, CPU the calls themselves need on a small host. At 250 ms (a tick every
 * 50 ms) the idle worker was still at 3 %.
 * Setting it to 100 brings the stall warnings back on a host being diagnosed.
 */
export const LOOP_BLOCK_WARN_DEFAULT = '0';

/**
 * Sets the default in the worker's environment, where the framework reads it: in the worker
 * itself when it starts running, and in each job process, which inherits it when forked.
 */
export function defaultLoopMonitor(env: NodeJS.ProcessEnv = process.env): void {
  if (!env[LOOP_BLOCK_WARN_VAR]?.trim()) env[LOOP_BLOCK_WARN_VAR] = LOOP_BLOCK_WARN_DEFAULT;
}
