import { REPO_ROOT } from '@voicedesk/testkit';

/**
 * The API and the worker as production runs them: node on the built JavaScript (`npm run build`),
 * workspace packages resolved to their dist/, NODE_ENV=production. Under tsx every job process
 * the worker forks compiles the agent's sources again, which production never pays.
 */
const built = (args: string[]) => ({
  args,
  cwd: REPO_ROOT,
  env: { NODE_ENV: 'production', NODE_OPTIONS: '--conditions=voicedesk-dist' },
});

export const BUILT_ENTRYPOINTS = {
  api: built(['apps/api/dist/main.js']),
  agent: built(['apps/agent/dist/main.js', 'start']),
};
