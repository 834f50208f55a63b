import { resolve } from 'node:path';
import { type AgentConfig, loadAgentConfig } from '@voicedesk/config';

/** The shared agent config plus the settings only this app reads. */
export interface RuntimeConfig extends AgentConfig {
  /** Absolute, so the worker and its job processes agree whatever their cwd. */
  spoolDir: string;
  /** Each site's greeting as the model spoke it, played at once on the site's next calls. */
  greetingCacheDir: string;
}

export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const config = loadAgentConfig(env);
  return {
    ...config,
    spoolDir: resolve(env.AGENT_SPOOL_DIR?.trim() || '.data/agent-spool'),
    greetingCacheDir: resolve(env.AGENT_GREETING_CACHE_DIR?.trim() || '.data/agent-greetings'),
  };
}
