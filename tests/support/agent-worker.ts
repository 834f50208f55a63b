import { join } from 'node:path';
import {
  findFreePort,
  type LivekitServer,
  type ManagedChild,
  REPO_ROOT,
  spawnManaged,
} from '@voicedesk/testkit';

/**
 * The agent's worker from its sources, as production starts it (`start`), against a real
 * livekit-server: resolves once it registered and its first job process is warm. `env` adds to
 * or replaces what every such worker gets (no OpenAI key of value: the model is the double, or
 * nothing when no call is placed).
 */
export async function startAgentWorker(opts: {
  name: string;
  livekit: Pick<LivekitServer, 'url' | 'apiKey' | 'apiSecret'>;
  logFile: string;
  env: Record<string, string | undefined>;
  readyTimeoutMs: number;
}): Promise<ManagedChild> {
  const worker = spawnManaged({
    name: opts.name,
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'apps/agent/src/main.ts'), 'start'],
    cwd: REPO_ROOT,
    logFile: opts.logFile,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LIVEKIT_URL: opts.livekit.url,
      LIVEKIT_API_KEY: opts.livekit.apiKey,
      LIVEKIT_API_SECRET: opts.livekit.apiSecret,
      OPENAI_API_KEY: 'offline-test',
      AGENT_PORT: String(await findFreePort()),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
  });
  await Promise.all([
    worker.waitForLine(/registered worker/, opts.readyTimeoutMs),
    worker.waitForLine(/job process ready/, opts.readyTimeoutMs),
  ]);
  return worker;
}
