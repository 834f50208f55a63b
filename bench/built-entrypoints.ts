import { BUILT_MAIN, REPO_ROOT } from '@voicedesk/testkit';

const DIST_CONDITION = '--conditions=voicedesk-dist';

/**
 * The API and the worker as production runs them: node on the built JavaScript (`npm run build`),
 * workspace packages resolved to their dist/, NODE_ENV=production. Under tsx every job process
 * the worker forks compiles the agent's sources again, which production never pays.
 * `nodeOptions` adds to NODE_OPTIONS (a bench's `--inspect`, say), which these set themselves.
 */
const built = (args: string[], nodeOptions = '') => ({
  args,
  cwd: REPO_ROOT,
  env: { NODE_ENV: 'production', NODE_OPTIONS: `${DIST_CONDITION} ${nodeOptions}`.trim() },
});

/**
 * `BENCH_AGENT_NODE_FLAGS` (space-separated) go before the worker's entry, and its job processes
 * inherit them: for V8 flags such as `--no-lazy`, which NODE_OPTIONS refuses.
 */
const agentFlags = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** `AGENT_WARMUP_HOLD_MS` set for a bench reaches the worker (0 compares against no pacing). */
const agentHold = process.env.AGENT_WARMUP_HOLD_MS;
const agent = built([...agentFlags, BUILT_MAIN.agent, 'start']);

export const BUILT_ENTRYPOINTS = {
  api: built([BUILT_MAIN.api]),
  agent:
    agentHold === undefined ? agent : { ...agent, env: { ...agent.env, AGENT_WARMUP_HOLD_MS: agentHold } },
};

/** The same, the API with more Node options (the worker's entry unchanged). */
export function builtApiEntrypoints(nodeOptions: string) {
  return { ...BUILT_ENTRYPOINTS, api: built([BUILT_MAIN.api], nodeOptions) };
}
