import { BUILT_MAIN, builtEntrypoint } from '@voicedesk/testkit';

/**
 * The benches run the API and the worker as production does: node on the built JavaScript
 * (`npm run build`). Under tsx every job process the worker forks compiles the agent's sources
 * again, which production never pays.
 *
 * `BENCH_AGENT_NODE_FLAGS` (space-separated) go before the worker's entry, and its job processes
 * inherit them: for V8 flags such as `--no-lazy`, which NODE_OPTIONS refuses.
 */
const agentFlags = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** `AGENT_WARMUP_HOLD_MS` set for a bench reaches the worker (0 compares against no pacing). */
const agentHold = process.env.AGENT_WARMUP_HOLD_MS;
const agent = builtEntrypoint([...agentFlags, BUILT_MAIN.agent, 'start']);

export const BUILT_ENTRYPOINTS = {
  api: builtEntrypoint([BUILT_MAIN.api]),
  agent:
    agentHold === undefined ? agent : { ...agent, env: { ...agent.env, AGENT_WARMUP_HOLD_MS: agentHold } },
};

/** The same, the API with more Node options (`--inspect`, say; the worker's entry unchanged). */
export function builtApiEntrypoints(nodeOptions: string) {
  return { ...BUILT_ENTRYPOINTS, api: builtEntrypoint([BUILT_MAIN.api], nodeOptions) };
}
